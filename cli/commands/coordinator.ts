import { join } from 'node:path'
import type { Command } from 'commander'
import { ADMIN_TOKEN_FILE, createCoordinator } from '../../coordinator/coordinator.ts'
import { DEFAULT_WORK_REQUESTS_PER_SECOND } from '../../coordinator/constants.ts'
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from '../../dashboard/server.ts'
import { defaultDataDir } from '../config.ts'
import { checkAddresses, checkListenable } from '../addresses.ts'
import { bootstrapReporter, watchBootstrap } from '../bootstrap-watch.ts'
import { lockDataDir } from '../data-dir.ts'
import { startupError } from '../startup-errors.ts'
import { emit, untilSignalled } from '../lifecycle.ts'
import { collect, parseIntegerIn } from '../options.ts'

interface CoordinatorFlags { listen?: string[], dataDir?: string, bootstrap?: string[], announceInterval?: number, maxWorkRequests?: number, http?: boolean, httpPort?: number, httpHost?: string, json?: boolean }

export function registerCoordinator (program: Command): void {
  program.command('coordinator')
    .description('run a coordinator: accept jobs, split them, announce them, lease units to workers, validate results, merge')
    .option('-l, --listen <multiaddr>', 'address to listen on; repeatable (default: 127.0.0.1 TCP, WebSockets and webrtc-direct on free ports)', collect)
    .option('-d, --data-dir <dir>', 'identity and database directory', defaultDataDir('coordinator'))
    .option('-b, --bootstrap <multiaddr>', 'peer to join at start; repeatable', collect)
    .option('--announce-interval <ms>', 'how often open jobs are re-announced', parseIntegerIn('announce-interval', 100, 600_000))
    .option('--max-work-requests <per-second>', `work requests per second one peer may keep up (bursts of twice that); faster ones get BUSY and cost reputation (default: ${DEFAULT_WORK_REQUESTS_PER_SECOND})`, parseIntegerIn('max-work-requests', 1, 1_000_000))
    .option('--http-port <port>', `dashboard and JSON API port, 0 for any free port (default: ${DEFAULT_HTTP_PORT}, or any free port when it is taken)`, parseIntegerIn('http-port', 0, 65_535))
    .option('--http-host <host>', 'address the dashboard listens on; whoever reaches it can read it, banning needs the admin token', DEFAULT_HTTP_HOST)
    .option('--no-http', 'run without the dashboard and its HTTP API')
    .option('--json', 'print machine-readable JSON lines instead of text')
    .addHelpText('after', `
Example:
  $ peergrid coordinator --listen /ip4/0.0.0.0/tcp/4001 --listen /ip4/0.0.0.0/udp/4002/webrtc-direct
  $ peergrid coordinator --http-port 8080          (dashboard on http://127.0.0.1:8080/)
State lives in <data-dir>/coordinator.db (SQLite, WAL): stop and restart at any time; running jobs carry on.
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot start (data directory unusable or full, address in use),
2 bad usage (a malformed multiaddr or option). A start failure is one line on stderr.`)
    .action(async (flags: CoordinatorFlags) => {
      const dataDir = flags.dataDir!
      checkAddresses('listen', flags.listen)
      checkAddresses('bootstrap', flags.bootstrap)
      await checkListenable(flags.listen)
      const unlock = lockDataDir(dataDir, 'coordinator')
      const coordinator = createCoordinator({
        dataDir,
        ...(flags.listen != null ? { listen: flags.listen } : {}),
        bootstrap: flags.bootstrap ?? [],
        ...(flags.announceInterval != null ? { announceIntervalMs: flags.announceInterval } : {}),
        ...(flags.maxWorkRequests != null ? { work: { requestsPerSecond: flags.maxWorkRequests, requestBurst: 2 * flags.maxWorkRequests } } : {}),
        // An explicit port must be the one served; the default gives way to another coordinator.
        ...(flags.http !== false ? { http: { host: flags.httpHost!, port: flags.httpPort ?? DEFAULT_HTTP_PORT, fallbackToFreePort: flags.httpPort == null } } : {})
      })
      try {
        await coordinator.start()
      } catch (err) {
        unlock()
        await coordinator.stop().catch(() => {})
        throw startupError('coordinator', err, dataDir)
      }
      const dashboardUrl = coordinator.dashboardUrl ?? null
      emit(flags.json === true,
        { event: 'ready', role: 'coordinator', peerId: coordinator.peerId, addresses: coordinator.multiaddrs, dashboardUrl, dataDir, pid: process.pid },
        `PeerGrid coordinator ${coordinator.peerId}\ndata: ${dataDir}\nlistening on:\n${coordinator.multiaddrs.map((a) => `  ${a}`).join('\n')}` +
        (dashboardUrl != null ? `\ndashboard: ${dashboardUrl}  (admin token for banning: ${join(dataDir, ADMIN_TOKEN_FILE)})` : ''))
      const unwatch = watchBootstrap(coordinator.node, flags.bootstrap ?? [], bootstrapReporter(flags.json === true))
      await untilSignalled(async () => { unwatch(); await coordinator.stop(); unlock() })
      emit(flags.json === true, { event: 'stopped', role: 'coordinator' }, 'coordinator stopped')
    })
}
