import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { PeerInfo } from '../../protocols/admin.ts'
import { withClient } from '../client.ts'
import { defaultDataDir } from '../config.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { formatDuration } from '../progress.ts'
import { formatCredit } from '../../jobs/credit.ts'

const bar = (score: number, width = 10): string => '█'.repeat(Math.round(score * width)).padEnd(width, '░')

export function formatPeer (p: PeerInfo, now = Date.now()): string {
  return `${p.id.padEnd(52)} ${p.state.padEnd(9)} ${bar(p.score)} ${p.score.toFixed(2)}  ${String(p.valid).padStart(6)} valid ${String(p.invalid).padStart(4)} invalid ${String(p.errors).padStart(4)} errors ${String(p.timeouts).padStart(4)} timeouts  ${String(p.spotPassed).padStart(4)}/${p.spotFailed} checks  ${formatCredit(p.credit).padStart(9)} credit  seen ${formatDuration((now - p.lastSeenMs) / 1000)} ago`
}

function adminToken (flag: string | undefined, dataDir: string | undefined): string {
  const token = flag ?? process.env.PEERGRID_ADMIN_TOKEN
  if (token != null && token !== '') return token
  const path = join(dataDir ?? defaultDataDir('coordinator'), 'admin.token')
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    throw new CliError(`no admin token: pass --admin-token, set PEERGRID_ADMIN_TOKEN, or run this where the coordinator's ${path} is readable (--data-dir)`, EXIT_USAGE)
  }
}

interface AdminFlags { coordinator?: string, json?: boolean, adminToken?: string, dataDir?: string }

export function registerPeers (program: Command): void {
  program.command('peers')
    .description('list the peers a coordinator knows, with their reputation (state, score, valid/invalid results, spot-checks) and the credit their accepted results earned')
    .option('-c, --coordinator <multiaddr>', 'coordinator address')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', '\nExample:\n  $ peergrid peers --json | jq \'.[] | select(.state == "banned")\'')
    .action(async (flags: AdminFlags) => {
      await withClient(flags.coordinator, async (client) => {
        const peers = await client.peers()
        if (flags.json === true) { process.stdout.write(JSON.stringify(peers) + '\n'); return }
        if (peers.length === 0) process.stdout.write('no peers yet\n')
        for (const p of peers) process.stdout.write(formatPeer(p) + '\n')
      })
    })
  for (const [name, banned] of [['ban', true], ['unban', false]] as const) {
    program.command(name)
      .description(banned ? 'ban a peer: its leases are refused, its connections closed, the units it backed re-checked' : 'lift a ban: the peer starts again on probation')
      .argument('<peer>', 'peer id')
      .option('-c, --coordinator <multiaddr>', 'coordinator address')
      .option('--admin-token <token>', 'the coordinator\'s admin token (default: $PEERGRID_ADMIN_TOKEN or <data-dir>/admin.token)')
      .option('-d, --data-dir <dir>', 'the coordinator\'s data directory, to read its admin token')
      .option('--json', 'print JSON instead of text')
      .addHelpText('after', `\nExample:\n  $ peergrid ${name} 12D3KooW…`)
      .action(async (peer: string, flags: AdminFlags) => {
        const token = adminToken(flags.adminToken, flags.dataDir)
        await withClient(flags.coordinator, async (client) => {
          const info = await client.setBan(peer, banned, token)
          process.stdout.write(flags.json === true ? JSON.stringify(info) + '\n' : formatPeer(info) + '\n')
        })
      })
  }
}
