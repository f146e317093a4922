import type { Command } from 'commander'
import { ALL_TRANSPORTS, type TransportName } from '../../protocols/node.ts'
import { createWorker, type WorkerInit } from '../../worker/worker.ts'
import { defaultDataDir, resolveCoordinator } from '../config.ts'
import { lockDataDir } from '../data-dir.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { emit, untilSignalled } from '../lifecycle.ts'
import { collect, parseIntegerIn, parseThreads } from '../options.ts'

interface WorkerFlags {
  bootstrap?: string[]
  threads?: number
  dataDir?: string
  prefetch?: number
  transports?: string
  listen?: string[]
  maxMemory?: number
  nice?: number
  json?: boolean
}

const PROGRESS_EVERY_MS = 200

function parseTransports (value: string): TransportName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = names.filter((n) => !(ALL_TRANSPORTS as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) {
    throw new CliError(`--transports: unknown ${unknown.join(', ') || '(empty)'}; choose from ${ALL_TRANSPORTS.join(', ')}`, EXIT_USAGE)
  }
  return names as TransportName[]
}

export function registerWorker (program: Command): void {
  program.command('worker')
    .description('donate CPU: join the grid, pull units from every coordinator that announces work, run them, return results')
    .option('-b, --bootstrap <multiaddr>', 'peer to join (a coordinator or any worker); repeatable (default: as for --coordinator of submit)', collect)
    .option('-t, --threads <n>', 'threads to donate (default: one per core)', parseThreads)
    .option('-d, --data-dir <dir>', 'identity directory', defaultDataDir('worker'))
    .option('--prefetch <n>', 'units queued beyond the running ones (default: about 200 ms of work per thread, at least 2 per thread)', parseIntegerIn('prefetch', 0, 1024))
    .option('--max-memory <mb>', 'heap cap of one unit thread in MiB (default 512)', parseIntegerIn('max-memory', 16, 1 << 20))
    .option('--nice <n>', 'niceness added to unit threads, 0 (normal) to 19 (only idle CPU; default)', parseIntegerIn('nice', 0, 19))
    .option('--transports <list>', `comma-separated transports to use (default: ${ALL_TRANSPORTS.join(',')})`)
    .option('-l, --listen <multiaddr>', 'also accept connections here, so other workers can bootstrap from this one; repeatable', collect)
    .option('--json', 'print machine-readable JSON lines instead of text')
    .addHelpText('after', `
Examples:
  $ peergrid worker --bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
  $ peergrid worker --threads 1 --transports webrtc-direct --bootstrap /ip4/…/udp/4002/webrtc-direct/certhash/…/p2p/…
Stop with Ctrl-C or SIGTERM: leases not yet finished are handed back to their coordinators.`)
    .action(async (flags: WorkerFlags) => {
      const dataDir = flags.dataDir!
      const bootstrap = flags.bootstrap ?? [resolveCoordinator(undefined)]
      const init: WorkerInit = {
        dataDir,
        bootstrap,
        ...(flags.threads != null ? { threads: flags.threads } : {}),
        ...(flags.prefetch != null ? { prefetch: flags.prefetch } : {}),
        ...(flags.maxMemory != null ? { maxMemoryMb: flags.maxMemory } : {}),
        ...(flags.nice != null ? { niceIncrement: flags.nice } : {}),
        ...(flags.transports != null ? { transports: parseTransports(flags.transports) } : {}),
        ...(flags.listen != null ? { listen: flags.listen } : {})
      }
      await runWorker(init, flags.json === true)
    })
}

/** Starts a worker with `init` and runs it until signalled; shared with test fixtures. */
export async function runWorker (init: WorkerInit, json: boolean): Promise<void> {
  const unlock = lockDataDir(init.dataDir, 'worker')
  const worker = createWorker(init)
  try {
    await worker.start()
  } catch (err) {
    unlock()
    await worker.stop().catch(() => {})
    throw new CliError(`cannot start the worker: ${(err as Error).message}`)
  }
  emit(json, { event: 'ready', role: 'worker', peerId: worker.peerId, addresses: worker.multiaddrs, threads: worker.threads, dataDir: init.dataDir, pid: process.pid },
    `PeerGrid worker ${worker.peerId} donating ${worker.threads} thread(s)\ndata: ${init.dataDir}\nbootstrap: ${(init.bootstrap ?? []).join(' ') || '(none)'}`)
  worker.on('coordinator:found', ({ coordinator }) => { emit(json, { event: 'coordinator', coordinator }, `serving coordinator ${coordinator}`) })
  let last = 0
  let reported = 0
  const progress = setInterval(() => {
    if (worker.unitsDone === reported) return
    reported = worker.unitsDone
    if (json) emit(true, { event: 'progress', unitsDone: reported }, '')
    else if (Date.now() - last > 10_000) { last = Date.now(); emit(false, {}, `${reported} units done`) }
  }, PROGRESS_EVERY_MS)
  await untilSignalled(async () => {
    clearInterval(progress)
    await worker.stop()
    unlock()
  })
  emit(json, { event: 'stopped', role: 'worker', unitsDone: worker.unitsDone }, `worker stopped after ${worker.unitsDone} units`)
}
