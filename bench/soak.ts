/**
 * `npm run soak -- --minutes N`: a long run of a coordinator and worker processes on
 * 127.0.0.1 under churn, to catch what short tests cannot: memory that grows, throughput
 * that decays, processes that stop exiting cleanly.
 *
 *   npm run soak -- --minutes 30                 the team's run
 *   npm run soak -- --minutes 3 --seed 7 --json  a short one, JSON summary on stdout
 *
 * Two stable workers run the whole time (their memory is measured); churning workers join,
 * leave with SIGTERM and crash with SIGKILL on a seeded schedule. Jobs of every kind are
 * submitted continuously, two at a time; each result must equal the first result of the same
 * job. Every --every seconds (15) a line gives throughput (accepted units/s) and the RSS of
 * every process (/proc/<pid>/status VmRSS); the summary gives RSS growth after warm-up (the
 * first 20% of the run; a line fitted through the samples, and window medians) per role and the throughput of the last third against the first.
 * Exits 1 when a result differs, a job fails, the coordinator dies or a process does not
 * stop cleanly. Everything stops by itself.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { JobsClient } from '../coordinator/client.ts'
import { requestStatus } from '../worker/control.ts'
import { GridCluster } from '../test/helpers/grid-cluster.ts'
import type { PeergridProcess } from '../test/helpers/processes.ts'
import { freePort } from '../test/helpers/ports.ts'
import { between, seededRandom } from '../test/helpers/prng.ts'
import { fittedGrowth, growthAfterWarmup, throughputTrend, windowMedians, type Sample } from './soak-stats.ts'

/** One of each kind, some tens of ms per unit; resubmitted in turn, so each result has a twin. */
const JOBS = [
  { kind: 'primes', params: { from: 1_000_000_000, to: 1_600_000_000 }, units: 40, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'montecarlo-pi', params: { samples: 200_000_000, seed: 7 }, units: 40, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'mandelbrot', params: { width: 320, height: 240, centerX: -0.7436, centerY: 0.1318, scale: 0.004, maxIterations: 800 }, units: 24, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'hash-search', params: { data: 'peergrid soak', difficultyBits: 30, nonces: 2 ** 21 }, units: 16, quorum: 2, unitTimeoutMs: 10_000 }
]
const RUNNING_JOBS = 2
const STABLE_WORKERS = ['stable-0', 'stable-1']
const WARMUP = 0.2

function usage (problem: string): never {
  process.stderr.write(`soak: ${problem}\nusage: npm run soak -- [--minutes N] [--churners N] [--seed N] [--every SECONDS] [--json]\n`)
  process.exit(2)
}

function numberFlag (flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value == null) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) usage(`${flag} must be a number from ${min} to ${max} (got "${value}")`)
  return n
}

let flags
try {
  flags = parseArgs({ options: { minutes: { type: 'string' }, churners: { type: 'string' }, seed: { type: 'string' }, every: { type: 'string' }, json: { type: 'boolean' } } }).values
} catch (err) {
  usage((err as Error).message)
}
const runMs = numberFlag('--minutes', flags.minutes, 5, 0.5, 24 * 60) * 60_000
const churners = Math.round(numberFlag('--churners', flags.churners, 3, 0, 16))
const seed = Math.round(numberFlag('--seed', flags.seed, Date.now() % 2 ** 31, 0, 2 ** 31))
const reportEveryMs = numberFlag('--every', flags.every, 15, 5, 3600) * 1000
/** Often enough that the warm-up and final windows (a tenth of the run each) hold several samples. */
const SAMPLE_EVERY_MS = Math.min(5_000, Math.max(500, runMs / 60))
const json = flags.json === true
/** Progress goes to stdout, or to stderr when stdout carries the JSON summary. */
const say = (line: string): void => { (json ? process.stderr : process.stdout).write(line + '\n') }

const sleep = async (ms: number, until = Infinity): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, until - Date.now())))) }
const mib = (bytes: number | undefined): string => bytes == null ? '-' : (bytes / 2 ** 20).toFixed(1)

/**
 * Resident memory from /proc/<pid>/status: all of it, and the part that is the process's
 * own (anonymous: heaps, buffers) as against file pages (the node binary, libraries), which
 * the kernel drops under pressure from other processes and reads back in when touched.
 */
function residentBytes (pid: number): { rss: number, anon: number, file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    const figures = { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') }
    return Number.isNaN(figures.rss) ? undefined : figures
  } catch {
    return undefined
  }
}

const dir = mkdtempSync(join(tmpdir(), 'peergrid-soak-'))
const env = { PEERGRID_HOME: join(dir, 'home') }
const cluster = new GridCluster({ dir, port: await freePort(), env, workerArgs: ['--threads', '1', '--nice', '0'] })
const random = seededRandom(seed)
// Stops the run (and everything it started) if anything hangs past the planned end.
const watchdog = setTimeout(() => { void cluster.stopAll('SIGKILL').finally(() => process.exit(3)) }, runMs + 180_000)
watchdog.unref()
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { interrupted = true })

const problems: string[] = []
const isReady = (child: PeergridProcess): boolean => child.events.some((e) => e.event === 'ready')
const rss = new Map<string, { role: 'coordinator' | 'stable worker' | 'churning worker', samples: Sample[] }>()
const accepted: Sample[] = []
/** The coordinator's own view of its memory (its /metrics): tells a leak from allocator retention. */
const heap = { used: [] as Sample[], total: [] as Sample[], external: [] as Sample[] }
/** V8's committed heap by space (new_space, old_space, ...): which part of the heap moves. */
const heapSpaces = new Map<string, Sample[]>()
/** The stable workers' JS heaps, committed: main isolate and unit threads (from `worker status`). */
const workerHeaps = new Map<string, { main: Sample[], threads: Sample[] }>()
/** The coordinator's RSS split into its own (anonymous) pages and file pages. */
const coordinatorResident = { anon: [] as Sample[], file: [] as Sample[] }
const churn = { crashes: 0, leaves: 0, joins: 0, uncleanExits: 0 }
const jobs = { submitted: 0, completed: 0, failed: 0, verified: 0, mismatched: 0 }
const firstResults = new Map<number, string>()

say(`soak: ${runMs / 60_000} min, seed ${seed}, ${STABLE_WORKERS.length} stable + ${churners} churning workers, data in ${dir}`)
let client: JobsClient
try {
  await cluster.startCoordinator()
  client = await JobsClient.connect({ coordinator: cluster.address })
  await Promise.all([...STABLE_WORKERS, ...Array.from({ length: churners }, (_, i) => `churn-${i}`)].map(async (name) => await cluster.startWorker(name).ready()))
} catch (err) {
  await cluster.stopAll('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
  throw err
}
let nextChurner = churners
const startedAt = Date.now()
const endAt = startedAt + runMs
const running = (): boolean => Date.now() < endAt && !interrupted && problems.length === 0
const elapsed = (): number => Date.now() - startedAt

function sample (): void {
  const at = elapsed()
  if (!cluster.coordinatorRunning) problems.push(`the coordinator died ${(at / 1000).toFixed(0)} s into the run`)
  try {
    accepted.push({ atMs: at, value: cluster.read((db) => Number((db.prepare('SELECT COALESCE(SUM(units_accepted), 0) AS n FROM jobs').get() as { n: number }).n)) })
  } catch (err) {
    say(`  (could not read the database: ${(err as Error).message})`)
  }
  for (const { role, name, pid } of cluster.processes()) {
    const resident = residentBytes(pid)
    if (resident == null) continue
    const key = `${name}#${pid}`
    const entry = rss.get(key) ?? { role: role === 'coordinator' ? 'coordinator' as const : STABLE_WORKERS.includes(name) ? 'stable worker' as const : 'churning worker' as const, samples: [] }
    entry.samples.push({ atMs: at, value: resident.rss })
    if (role === 'coordinator') {
      coordinatorResident.anon.push({ atMs: at, value: resident.anon })
      coordinatorResident.file.push({ atMs: at, value: resident.file })
    }
    rss.set(key, entry)
  }
}

function report (): void {
  const last = accepted[accepted.length - 1]
  const before = accepted.findLast((s) => last != null && s.atMs <= last.atMs - reportEveryMs + 1000) ?? accepted[0]
  const rate = last != null && before != null && last.atMs > before.atMs ? (last.value - before.value) / ((last.atMs - before.atMs) / 1000) : 0
  const current = [...rss].filter(([, e]) => e.samples[e.samples.length - 1]?.atMs === last?.atMs)
  const memory = current.map(([key, e]) => `${key.split('#')[0]} ${mib(e.samples[e.samples.length - 1]?.value)}`).join(', ')
  const anon = coordinatorResident.anon[coordinatorResident.anon.length - 1]?.value
  const used = heap.used[heap.used.length - 1]?.value
  const committed = heap.total[heap.total.length - 1]?.value
  say(`[${String(Math.round(elapsed() / 1000)).padStart(5)} s] ${rate.toFixed(1).padStart(6)} units/s, ${last?.value ?? 0} accepted, ${jobs.completed} jobs done | RSS MiB: ${memory} | coordinator anon ${mib(anon)}, heap ${mib(used)}/${mib(committed)}`)
}

async function submitLoop (): Promise<void> {
  const open = new Map<string, number>()
  let turn = 0
  while (running()) {
    for (const [jobId, spec] of open) {
      const [status] = await client.status(jobId)
      if (status == null || status.state === 'running') continue
      open.delete(jobId)
      if (status.state !== 'completed') {
        jobs.failed++
        problems.push(`job ${jobId} (${JOBS[spec]!.kind}) ended ${status.state}`)
        continue
      }
      jobs.completed++
      const result = await client.result(jobId)
      const fingerprint = JSON.stringify({ value: result.valueJson, file: Buffer.from(result.file).toString('base64') })
      const first = firstResults.get(spec)
      if (first == null) firstResults.set(spec, fingerprint)
      else if (first === fingerprint) jobs.verified++
      else {
        jobs.mismatched++
        problems.push(`job ${jobId} (${JOBS[spec]!.kind}) gave a different result from its twin: ${result.valueJson.slice(0, 200)}`)
      }
    }
    while (open.size < RUNNING_JOBS && running()) {
      const spec = turn++ % JOBS.length
      const { jobId } = await client.submit(JSON.stringify(JOBS[spec]))
      open.set(jobId, spec)
      jobs.submitted++
    }
    await sleep(500, endAt)
  }
}

async function churnLoop (): Promise<void> {
  const churning = (): string[] => [...cluster.workers.keys()].filter((n) => !STABLE_WORKERS.includes(n))
  while (running() && churners > 0) {
    await sleep(between(random, 8_000, 25_000), endAt)
    if (!running()) return
    const alive = churning()
    const roll = random()
    if (alive.length === 0 || (roll < 0.3 && alive.length < churners + 2)) {
      cluster.startWorker(`churn-${nextChurner++}`)
      churn.joins++
    } else if (roll < 0.65) {
      const name = alive[Math.floor(random() * alive.length)]!
      const worker = cluster.workers.get(name)!
      const ready = isReady(worker)
      await cluster.stopWorker(name, 'SIGTERM')
      // Before it is ready a process has nothing to hand back, and Node's default is to die by the signal.
      if (ready && (await worker.exited).code !== 0) churn.uncleanExits++
      churn.leaves++
    } else {
      const name = alive[Math.floor(random() * alive.length)]!
      await cluster.stopWorker(name, 'SIGKILL')
      churn.crashes++
      await sleep(between(random, 1_000, 5_000), endAt)
      if (running()) cluster.startWorker(name)
    }
  }
}

/** Reads `peergrid_process_memory_bytes` from the coordinator's /metrics; skipped when it has none. */
async function sampleHeap (): Promise<void> {
  if (cluster.dashboardUrl == null) return
  try {
    const text = await (await fetch(new URL('metrics', cluster.dashboardUrl), { signal: AbortSignal.timeout(5000) })).text()
    const read = (area: string): number | undefined => {
      const value = new RegExp(`^peergrid_process_memory_bytes\\{area="${area}"\\} (\\S+)$`, 'm').exec(text)?.[1]
      return value == null ? undefined : Number(value)
    }
    const at = elapsed()
    for (const [area, samples] of [['heap_used', heap.used], ['heap_total', heap.total], ['external', heap.external]] as const) {
      const value = read(area)
      if (value != null) samples.push({ atMs: at, value })
    }
    for (const [, space, value] of text.matchAll(/^peergrid_v8_heap_space_bytes\{space="(\w+)",kind="committed"\} (\S+)$/gm)) {
      heapSpaces.set(space!, [...(heapSpaces.get(space!) ?? []), { atMs: at, value: Number(value) }])
    }
  } catch {
    // A restarting or busy coordinator misses a sample; the fitted line does not need them all.
  }
}

/** Asks each stable worker for its status over its control socket; a busy one misses a sample. */
async function sampleWorkerHeaps (): Promise<void> {
  const at = elapsed()
  await Promise.all(STABLE_WORKERS.map(async (name) => {
    try {
      const { memory } = await requestStatus(join(dir, name), 'status', 2_000)
      const series = workerHeaps.get(name) ?? { main: [], threads: [] }
      series.main.push({ atMs: at, value: memory.mainHeap.committedBytes })
      if (memory.threadHeaps != null) series.threads.push({ atMs: at, value: memory.threadHeaps.committedBytes })
      workerHeaps.set(name, series)
    } catch {}
  }))
}

async function sampleLoop (): Promise<void> {
  let lastReport = 0
  while (running()) {
    sample()
    await sampleHeap()
    await sampleWorkerHeaps()
    if (elapsed() - lastReport >= reportEveryMs - SAMPLE_EVERY_MS / 2) {
      report()
      lastReport = elapsed()
    }
    await sleep(SAMPLE_EVERY_MS, endAt)
  }
  sample()
}

let failure: unknown
try {
  await Promise.all([submitLoop(), churnLoop(), sampleLoop()])
} catch (err) {
  failure = err
  problems.push(`the run failed: ${(err as Error).message}`)
}
const ranMs = elapsed()
report()

// Shut down as an operator would, and check that every process goes quietly.
await client.close().catch(() => {})
const exits = await Promise.all(cluster.processes().map(async ({ role, name }) => {
  const child = role === 'coordinator' ? cluster.coordinator! : cluster.workers.get(name)!
  const ready = isReady(child)
  const exit = await child.stop('SIGTERM', 15_000)
  return { name, clean: !ready || exit.code === 0, exit }
}))
for (const { name, clean, exit } of exits) if (!clean) problems.push(`${name} did not exit cleanly on SIGTERM (code ${exit.code}, signal ${exit.signal})`)
if (churn.uncleanExits > 0) problems.push(`${churn.uncleanExits} churning workers did not exit cleanly on SIGTERM`)
const dbBytes = statSync(cluster.dbPath, { throwIfNoEntry: false })?.size
await cluster.stopAll('SIGKILL')
clearTimeout(watchdog)

const inMiB = (m: { after: number, last: number } | undefined): { after: number, last: number } | null => m == null ? null : { after: m.after / 2 ** 20, last: m.last / 2 ** 20 }
type Growth = (samples: readonly Sample[], runMs: number, warmup: number) => number | undefined
const growth = (role: string, measure: Growth = fittedGrowth): { max: number, processes: number } | undefined => {
  const figures = [...rss.values()].filter((e) => e.role === role).map((e) => measure(e.samples, ranMs, WARMUP)).filter((g): g is number => g != null)
  return figures.length === 0 ? undefined : { max: Math.max(...figures), processes: figures.length }
}
const peak = (role: string): number | undefined => Math.max(0, ...[...rss.values()].filter((e) => e.role === role).flatMap((e) => e.samples.map((s) => s.value))) || undefined
const trend = throughputTrend(accepted)
const total = accepted[accepted.length - 1]?.value ?? 0
const summary = {
  seed,
  minutes: ranMs / 60_000,
  acceptedUnits: total,
  unitsPerSecond: total / (ranMs / 1000),
  throughput: trend ?? null,
  /** From a line fitted through every sample after warm-up: what the 10% target is judged on. */
  rssGrowthAfterWarmupPercent: { coordinator: growth('coordinator') ?? null, stableWorkers: growth('stable worker') ?? null },
  /** Median of the last tenth against median of the tenth after warm-up: sensitive to where collections fall. */
  rssGrowthWindowsPercent: { coordinator: growth('coordinator', growthAfterWarmup) ?? null, stableWorkers: growth('stable worker', growthAfterWarmup) ?? null },
  /** The coordinator's V8 heap in use and external memory, lines fitted after warm-up, as for RSS. */
  coordinatorHeapGrowthPercent: { heapUsed: fittedGrowth(heap.used, ranMs, WARMUP) ?? null, heapTotal: fittedGrowth(heap.total, ranMs, WARMUP) ?? null, external: fittedGrowth(heap.external, ranMs, WARMUP) ?? null },
  /** The coordinator's RSS in two parts, lines fitted after warm-up: its own pages, and file pages. */
  coordinatorResidentGrowthPercent: { anon: fittedGrowth(coordinatorResident.anon, ranMs, WARMUP) ?? null, file: fittedGrowth(coordinatorResident.file, ranMs, WARMUP) ?? null },
  coordinatorResidentPeakMiB: { anon: Math.max(0, ...coordinatorResident.anon.map((s) => s.value)) / 2 ** 20, file: Math.max(0, ...coordinatorResident.file.map((s) => s.value)) / 2 ** 20 },
  /** V8's committed heap by space: the median of the tenth after warm-up and of the last tenth, MiB. */
  coordinatorHeapSpacesMiB: Object.fromEntries([...heapSpaces].flatMap(([space, samples]) => {
    const m = inMiB(windowMedians(samples, ranMs, WARMUP))
    return m == null ? [] : [[space, m]]
  })),
  /** The stable workers' committed JS heaps: median of the tenth after warm-up and of the last tenth, MiB. */
  stableWorkerHeapsMiB: Object.fromEntries([...workerHeaps].map(([name, series]) => [name, {
    main: inMiB(windowMedians(series.main, ranMs, WARMUP)),
    threads: inMiB(windowMedians(series.threads, ranMs, WARMUP))
  }])),
  rssPeakMiB: { coordinator: (peak('coordinator') ?? 0) / 2 ** 20, stableWorker: (peak('stable worker') ?? 0) / 2 ** 20, churningWorker: (peak('churning worker') ?? 0) / 2 ** 20 },
  jobs,
  churn,
  databaseMiB: dbBytes != null ? dbBytes / 2 ** 20 : null,
  problems
}

if (json) {
  process.stdout.write(JSON.stringify(summary) + '\n')
} else {
  const pct = (g: { max: number, processes: number } | undefined, what: string): string => g == null ? `${what}: not enough samples` : `${what}: ${g.max >= 0 ? '+' : ''}${g.max.toFixed(1)}%${g.processes > 1 ? ` (the most of ${g.processes})` : ''}`
  say('')
  say(`summary after ${(ranMs / 60_000).toFixed(1)} min (seed ${seed}):`)
  say(`  throughput: ${total} units accepted, ${summary.unitsPerSecond.toFixed(1)} units/s; first third ${trend?.first.toFixed(1) ?? '-'} units/s, last third ${trend?.last.toFixed(1) ?? '-'} units/s (last/first ${trend?.ratio?.toFixed(2) ?? '-'})`)
  say(`  RSS growth after warm-up (first ${WARMUP * 100}%), fitted line: ${pct(summary.rssGrowthAfterWarmupPercent.coordinator ?? undefined, 'coordinator')}, ${pct(summary.rssGrowthAfterWarmupPercent.stableWorkers ?? undefined, 'stable workers')} (target < 10%)`)
  say(`  RSS growth, median of the last tenth vs the tenth after warm-up: ${pct(summary.rssGrowthWindowsPercent.coordinator ?? undefined, 'coordinator')}, ${pct(summary.rssGrowthWindowsPercent.stableWorkers ?? undefined, 'stable workers')}`)
  const fitted = (g: number | null): string => g == null ? 'not sampled' : `${g >= 0 ? '+' : ''}${g.toFixed(1)}%`
  say(`  coordinator heap after warm-up, fitted line: V8 heap used ${fitted(summary.coordinatorHeapGrowthPercent.heapUsed)}, committed ${fitted(summary.coordinatorHeapGrowthPercent.heapTotal)}, external ${fitted(summary.coordinatorHeapGrowthPercent.external)}`)
  say(`  coordinator RSS after warm-up, fitted line: anonymous (its own) ${fitted(summary.coordinatorResidentGrowthPercent.anon)}, file pages ${fitted(summary.coordinatorResidentGrowthPercent.file)}; peaks ${summary.coordinatorResidentPeakMiB.anon.toFixed(1)} and ${summary.coordinatorResidentPeakMiB.file.toFixed(1)} MiB`)
  const spaces = Object.entries(summary.coordinatorHeapSpacesMiB).filter(([, m]) => m.after >= 1 || m.last >= 1)
  say(`  coordinator V8 heap committed by space, MiB after warm-up → at the end: ${spaces.map(([space, m]) => `${space} ${m.after.toFixed(1)} → ${m.last.toFixed(1)}`).join(', ') || 'not sampled'}`)
  const window = (m: { after: number, last: number } | null): string => m == null ? 'not sampled' : `${m.after.toFixed(1)} → ${m.last.toFixed(1)}`
  for (const [name, heaps] of Object.entries(summary.stableWorkerHeapsMiB)) say(`  ${name} JS heaps committed, MiB after warm-up → at the end: main ${window(heaps.main)}, unit threads ${window(heaps.threads)}`)
  say(`  RSS peak MiB: coordinator ${summary.rssPeakMiB.coordinator.toFixed(1)}, stable worker ${summary.rssPeakMiB.stableWorker.toFixed(1)}, churning worker ${summary.rssPeakMiB.churningWorker.toFixed(1)}`)
  say(`  jobs: ${jobs.submitted} submitted, ${jobs.completed} completed, ${jobs.failed} failed; ${jobs.verified} results equal to their twin's, ${jobs.mismatched} different`)
  say(`  churn: ${churn.joins} joins, ${churn.leaves} leaves (SIGTERM), ${churn.crashes} crashes (SIGKILL); database ${summary.databaseMiB?.toFixed(1) ?? '-'} MiB`)
  say(problems.length === 0 ? '  no problems' : `  PROBLEMS:\n    ${problems.join('\n    ')}`)
}
rmSync(dir, { recursive: true, force: true })
if (failure != null && !json) say(String((failure as Error).stack ?? failure))
process.exitCode = problems.length > 0 ? 1 : 0
