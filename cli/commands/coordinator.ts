import type { Command } from 'commander'
import { createCoordinator } from '../../coordinator/coordinator.ts'
import { defaultDataDir } from '../config.ts'
import { lockDataDir } from '../data-dir.ts'
import { CliError } from '../errors.ts'
import { emit, untilSignalled } from '../lifecycle.ts'
import { collect, parseIntegerIn } from '../options.ts'

interface CoordinatorFlags { listen?: string[], dataDir?: string, bootstrap?: string[], announceInterval?: number, json?: boolean }

export function registerCoordinator (program: Command): void {
  program.command('coordinator')
    .description('run a coordinator: accept jobs, split them, announce them, lease units to workers, validate results, merge')
    .option('-l, --listen <multiaddr>', 'address to listen on; repeatable (default: 127.0.0.1 TCP, WebSockets and webrtc-direct on free ports)', collect)
    .option('-d, --data-dir <dir>', 'identity and database directory', defaultDataDir('coordinator'))
    .option('-b, --bootstrap <multiaddr>', 'peer to join at start; repeatable', collect)
    .option('--announce-interval <ms>', 'how often open jobs are re-announced', parseIntegerIn('announce-interval', 100, 600_000))
    .option('--json', 'print machine-readable JSON lines instead of text')
    .addHelpText('after', `
Example:
  $ peergrid coordinator --listen /ip4/0.0.0.0/tcp/4001 --listen /ip4/0.0.0.0/udp/4002/webrtc-direct
State lives in <data-dir>/coordinator.db (SQLite, WAL): stop and restart at any time; running jobs carry on.`)
    .action(async (flags: CoordinatorFlags) => {
      const dataDir = flags.dataDir!
      const unlock = lockDataDir(dataDir, 'coordinator')
      const coordinator = createCoordinator({
        dataDir,
        ...(flags.listen != null ? { listen: flags.listen } : {}),
        bootstrap: flags.bootstrap ?? [],
        ...(flags.announceInterval != null ? { announceIntervalMs: flags.announceInterval } : {})
      })
      try {
        await coordinator.start()
      } catch (err) {
        unlock()
        await coordinator.stop().catch(() => {})
        throw new CliError(`cannot start the coordinator: ${(err as Error).message}`)
      }
      emit(flags.json === true,
        { event: 'ready', role: 'coordinator', peerId: coordinator.peerId, addresses: coordinator.multiaddrs, dataDir, pid: process.pid },
        `PeerGrid coordinator ${coordinator.peerId}\ndata: ${dataDir}\nlistening on:\n${coordinator.multiaddrs.map((a) => `  ${a}`).join('\n')}`)
      await untilSignalled(async () => { await coordinator.stop(); unlock() })
      emit(flags.json === true, { event: 'stopped', role: 'coordinator' }, 'coordinator stopped')
    })
}
