import type { Command } from 'commander'
import { ControlSocketError, requestStatus, serveControl, WorkerNotRunningError, type ControlAction, type ControlServer } from '../../worker/control.ts'
import { formatSchedule } from '../../worker/schedule.ts'
import { CONFIG_FILE, DATA_DIR_ENV, InvalidSettingError, resolveWorkerSettings, type WorkerSettings } from '../../worker/settings.ts'
import { formatStatus, PAUSE_REASON_TEXT, type WorkerState } from '../../worker/status.ts'
import { createWorker, type WorkerInit } from '../../worker/worker.ts'
import { defaultDataDir, resolveCoordinator } from '../config.ts'
import { checkAddresses, checkListenable } from '../addresses.ts'
import { bootstrapReporter, watchBootstrap } from '../bootstrap-watch.ts'
import { lockDataDir } from '../data-dir.ts'
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../errors.ts'
import { emit, untilSignalled } from '../lifecycle.ts'
import { startupError } from '../startup-errors.ts'
import { collect } from '../options.ts'

const PROGRESS_EVERY_MS = 200

function settingsFrom (flags: Record<string, unknown>): WorkerSettings {
  try {
    return resolveWorkerSettings({ flags, env: process.env, defaultDataDir: defaultDataDir('worker') })
  } catch (err) {
    if (err instanceof InvalidSettingError) throw new CliError(err.message, EXIT_USAGE)
    throw err
  }
}

/** The engine, network and budget options of a worker from its resolved settings. */
export function workerInit (settings: WorkerSettings): WorkerInit {
  return {
    dataDir: settings.dataDir,
    bootstrap: [...(settings.bootstrap ?? [resolveCoordinator(undefined)])],
    listen: [...settings.listen],
    ...(settings.transports !== undefined ? { transports: [...settings.transports] } : {}),
    threads: settings.threads,
    maxMemoryMb: settings.maxMemoryMb,
    niceIncrement: settings.nice,
    ...(settings.prefetch !== undefined ? { prefetch: settings.prefetch } : {}),
    budget: {
      cpuPercent: settings.cpuPercent,
      idleOnly: settings.idleOnly,
      idleThresholdPercent: settings.idleThresholdPercent,
      idleResumeAfterMs: settings.idleResumeAfterMs,
      schedule: settings.schedule
    },
    weights: settings.weights
  }
}

export function registerWorker (program: Command): void {
  const worker = program.command('worker')
    .description('donate CPU: join the grid, pull units from every coordinator that announces work, run them within your budget, return results')
    .option('-b, --bootstrap <multiaddr>', 'peer to join (a coordinator or any worker); repeatable (default: as for --coordinator of submit)', collect)
    .option('-t, --threads <n>', 'threads to donate (default: one per core)')
    .option('--cpu-percent <p>', 'use at most this percent of the donated threads\' time, 1-100 (default 100)')
    .option('--idle-only', 'pause while other programs keep the machine busy; resume when it is idle')
    .option('--no-idle-only', 'compute whatever the machine is doing (overrides the environment and config file)')
    .option('--idle-threshold <percent>', 'with --idle-only: other programs\' load, percent of the machine, that counts as busy (default 25)')
    .option('--idle-resume-after <seconds>', 'with --idle-only: how long the machine must stay idle before work resumes (default 5)')
    .option('--schedule <HH:MM-HH:MM>', 'compute only in these daily windows of local time, e.g. 22:00-07:00 or 12:00-13:00,19:00-23:30 (default: any time)')
    .option('--weight <peer=n>', 'share of the threads for coordinator PEER (default 1; 0: only when no one else has work); repeatable', collect)
    .option('-d, --data-dir <dir>', `identity directory (default: $${DATA_DIR_ENV} or ${defaultDataDir('worker')})`)
    .option('--config <file>', `settings file (default: <data-dir>/${CONFIG_FILE})`)
    .option('--prefetch <n>', 'units queued beyond the running ones (default: about 200 ms of work per thread, at least 2 per thread)')
    .option('--max-memory <mb>', 'heap cap of one unit thread in MiB (default 512)')
    .option('--nice <n>', 'niceness added to unit threads, 0 (normal) to 19 (only idle CPU; default)')
    .option('--transports <list>', 'comma-separated transports to use: tcp, ws, webrtc-direct (default: all)')
    .option('-l, --listen <multiaddr>', 'also accept connections here, so other workers can bootstrap from this one; repeatable', collect)
    .option('--json', 'print machine-readable JSON lines instead of text')
    .addHelpText('after', `
Every option can also be set as PEERGRID_WORKER_<OPTION> in the environment (e.g.
PEERGRID_WORKER_CPU_PERCENT=50, PEERGRID_WORKER_WEIGHTS=PEER=3,PEER=1) or in the config file
(e.g. {"cpuPercent": 50, "idleOnly": true, "weights": {"PEER": 3}}). Flags win over the
environment, which wins over the file.

Examples:
  $ peergrid worker --bootstrap /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
  $ peergrid worker --threads 2 --cpu-percent 50 --idle-only --schedule 22:00-07:00
  $ peergrid worker status
Stop with Ctrl-C or SIGTERM: leases not yet finished are handed back to their coordinators.
An unreachable bootstrap peer is reported once and retried in the background.
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 cannot start (data directory unusable or full, address in use),
2 bad usage (a malformed multiaddr or option). A start failure is one line on stderr.`)
    .action(async (flags: Record<string, unknown>) => {
      await runWorker(workerInit(settingsFrom(flags)), flags.json === true)
    })

  const dataDirOf = (own: Record<string, unknown>, command: Command): { dataDir: string, json: boolean } => {
    // Options given after the subcommand may be parsed by `worker` itself, so read both.
    const flags = { ...command.parent?.opts(), ...own }
    return { dataDir: (flags.dataDir as string | undefined) ?? (process.env[DATA_DIR_ENV] || defaultDataDir('worker')), json: flags.json === true }
  }
  const subcommand = (name: ControlAction, description: string): void => {
    worker.command(name)
      .description(description)
      .option('-d, --data-dir <dir>', 'the worker\'s data directory (default: as for the worker)')
      .option('--json', 'print the status as one JSON object')
      .addHelpText('after', `\nExample:\n  $ peergrid worker ${name} --data-dir ~/.peergrid/worker`)
      .action(async (own: Record<string, unknown>, command: Command) => {
        const { dataDir, json } = dataDirOf(own, command)
        await askWorker(dataDir, name, json)
      })
  }
  subcommand('status', 'show what the worker running on this machine is doing: state, units, CPU given, coordinators')
  subcommand('pause', 'stop the running worker from starting units until `worker resume` (units already running finish)')
  subcommand('resume', 'let the running worker start units again after `worker pause`')
}

async function askWorker (dataDir: string, action: ControlAction, json: boolean): Promise<void> {
  try {
    const status = await requestStatus(dataDir, action)
    process.stdout.write(json ? JSON.stringify(status) + '\n' : formatStatus(status) + '\n')
  } catch (err) {
    if (err instanceof WorkerNotRunningError) throw new CliError(`${err.message}; start one with \`peergrid worker\` or pass its --data-dir`, EXIT_FAILURE)
    throw new CliError(`cannot reach the worker: ${(err as Error).message}`)
  }
}

function describeBudget (init: WorkerInit): string {
  const b = init.budget ?? {}
  const parts = [`${b.cpuPercent ?? 100}% CPU`]
  if (b.idleOnly === true) parts.push('idle-only')
  if (b.schedule != null && b.schedule.length > 0) parts.push(`schedule ${formatSchedule(b.schedule)}`)
  return parts.join(', ')
}

/** Starts a worker with `init` and runs it until signalled; shared with test fixtures. */
export async function runWorker (init: WorkerInit, json: boolean): Promise<void> {
  checkAddresses('listen', init.listen)
  checkAddresses('bootstrap', init.bootstrap)
  await checkListenable(init.listen)
  const unlock = lockDataDir(init.dataDir, 'worker')
  const worker = createWorker(init)
  let control: ControlServer | undefined
  try {
    await worker.start()
  } catch (err) {
    unlock()
    await worker.stop().catch(() => {})
    throw startupError('worker', err, init.dataDir)
  }
  try {
    control = await serveControl(init.dataDir, { status: () => worker.status(), pause: () => worker.pause('user'), resume: () => worker.resume('user') })
  } catch (err) {
    // The worker can compute without its status endpoint; say why status will not answer.
    const reason = err instanceof ControlSocketError ? err.message : `cannot serve status: ${(err as Error).message}`
    process.stderr.write(`peergrid: warning: ${reason}; \`peergrid worker status\` will not answer\n`)
  }
  const budget = init.budget ?? {}
  emit(json, { event: 'ready', role: 'worker', peerId: worker.peerId, addresses: worker.multiaddrs, threads: worker.threads, dataDir: init.dataDir, pid: process.pid, control: control?.path ?? null, budget: { cpuPercent: budget.cpuPercent ?? 100, idleOnly: budget.idleOnly ?? false, schedule: budget.schedule != null && budget.schedule.length > 0 ? formatSchedule(budget.schedule) : null } },
    `PeerGrid worker ${worker.peerId} donating ${worker.threads} thread(s), ${describeBudget(init)}\ndata: ${init.dataDir}\nbootstrap: ${(init.bootstrap ?? []).join(' ') || '(none)'}`)
  worker.on('coordinator:found', ({ coordinator }) => { emit(json, { event: 'coordinator', coordinator }, `serving coordinator ${coordinator}`) })
  const onState = ({ state, pausedFor }: WorkerState): void => {
    if (state === 'paused') emit(json, { event: 'paused', reasons: pausedFor }, `paused: ${pausedFor.map((r) => PAUSE_REASON_TEXT[r]).join('; ')}`)
    else if (state === 'running') emit(json, { event: 'resumed' }, 'resumed')
  }
  worker.on('state', onState)
  // The budget is first evaluated while starting, before anyone listened.
  if (worker.paused) onState(worker.state)
  worker.on('leases:released', ({ coordinator, count }) => { emit(json, { event: 'released', coordinator, leases: count }, `handed back ${count} lease(s) to ${coordinator}`) })
  let last = 0
  let reported = 0
  const progress = setInterval(() => {
    if (worker.unitsDone === reported) return
    reported = worker.unitsDone
    if (json) emit(true, { event: 'progress', unitsDone: reported }, '')
    else if (Date.now() - last > 10_000) { last = Date.now(); emit(false, {}, `${reported} units done`) }
  }, PROGRESS_EVERY_MS)
  const unwatch = watchBootstrap(worker.node, init.bootstrap ?? [], bootstrapReporter(json))
  await untilSignalled(async () => {
    unwatch()
    clearInterval(progress)
    await control?.close()
    await worker.stop()
    unlock()
  })
  emit(json, { event: 'stopped', role: 'worker', unitsDone: worker.unitsDone, leasesHandedBack: worker.leasesHandedBack }, `worker stopped after ${worker.unitsDone} units`)
}
