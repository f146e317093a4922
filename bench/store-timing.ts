/**
 * `npm run bench:store -- [JOBS]`: runs JOBS (2,000) of the soak's jobs through a scheduler
 * on a real store, two honest peers voting on every unit, and prints what submit, lease and
 * report cost as finished jobs pile up, then the status paths against the full store. The
 * outputs are real (each distinct unit is computed once, which the first jobs' report time
 * includes), so the database grows as in a soak.
 * Flat figures mean the coordinator's work per job does not grow with its history.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getKind } from '../jobs/registry.ts'
import { Scheduler, type IssuedLease } from '../coordinator/scheduler.ts'
import { Store } from '../coordinator/store.ts'
import type { JobSpec } from '../jobs/spec.ts'
import { MAX_JOBS_LISTED } from '../coordinator/constants.ts'
import { jobStatuses, listedJobs } from '../coordinator/job-status.ts'

const N = Number(process.argv[2] ?? 2000)
/** The soak's jobs (bench/soak.ts). */
const JOBS: JobSpec[] = [
  { kind: 'primes', params: { from: 1_000_000_000, to: 1_600_000_000 }, units: 40, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'montecarlo-pi', params: { samples: 200_000_000, seed: 7 }, units: 40, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'mandelbrot', params: { width: 320, height: 240, centerX: -0.7436, centerY: 0.1318, scale: 0.004, maxIterations: 800 }, units: 24, quorum: 2, unitTimeoutMs: 10_000 },
  { kind: 'hash-search', params: { data: 'peergrid soak', difficultyBits: 30, nonces: 2 ** 21 }, units: 16, quorum: 2, unitTimeoutMs: 10_000 }
]
const cache = new Map<string, Uint8Array>()
const output = (l: IssuedLease): Uint8Array => {
  const key = `${l.kind} ${l.payload}`
  let out = cache.get(key)
  if (out == null) {
    const kind = getKind(l.kind)
    cache.set(key, out = kind.encodeOutput(kind.run(kind.parseUnit(JSON.parse(l.payload)))))
  }
  return out
}

const dir = mkdtempSync(join(tmpdir(), 'peergrid-timing-'))
const store = new Store(dir)
const scheduler = new Scheduler(store)
const time = (label: string, fn: () => void, reps = 1): void => {
  const t = performance.now()
  for (let i = 0; i < reps; i++) fn()
  console.log(`${label}: ${((performance.now() - t) / reps).toFixed(3)} ms`)
}
const runJob = (spec: JobSpec): { submit: number, lease: number, report: number } => {
  const t0 = performance.now()
  scheduler.addJob(spec, 'client')
  const t1 = performance.now()
  let lease = 0
  let report = 0
  for (;;) {
    const ta = performance.now()
    const a = scheduler.lease('A', 4)
    const b = scheduler.lease('B', 4)
    const tb = performance.now()
    if (a.length + b.length === 0) break
    scheduler.report('A', a.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l) })))
    scheduler.report('B', b.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l) })))
    lease += tb - ta
    report += performance.now() - tb
  }
  return { submit: t1 - t0, lease, report }
}
const checkpoints = new Set([1, 10, 100, 500, 1000, 2000, 5000, 10000, N])
let sums = { submit: 0, lease: 0, report: 0 }
let since = 0
type Costs = typeof sums
let baseline: Costs | undefined
let latest: Costs | undefined
for (let i = 1; i <= N; i++) {
  const r = runJob(JOBS[(i - 1) % JOBS.length]!)
  sums = { submit: sums.submit + r.submit, lease: sums.lease + r.lease, report: sums.report + r.report }
  since++
  if (checkpoints.has(i)) {
    latest = { submit: sums.submit / since, lease: sums.lease / since, report: sums.report / since }
    // Jobs 2-10 computed the outputs every later job reuses: the baseline is jobs 11-100.
    if (i === 100) baseline = latest
    console.log(`after ${i} jobs (avg of last ${since}): submit ${latest.submit.toFixed(2)} ms, lease ${latest.lease.toFixed(2)} ms/job, report ${latest.report.toFixed(2)} ms/job; db ${(statSync(store.path).size / 2 ** 20).toFixed(1)} MiB`)
    sums = { submit: 0, lease: 0, report: 0 }
    since = 0
  }
}
if (baseline != null && latest != null && N > 100) {
  const ratio = (k: keyof Costs): string => (latest[k] / baseline[k]).toFixed(2)
  console.log(`cost per job after ${N} jobs ÷ jobs 11-100 (1.00 = flat): submit ${ratio('submit')}, lease ${ratio('lease')}, report ${ratio('report')}`)
}
const last = store.newestJobs(1)[0]!.id
time('status of one job', () => jobStatuses(store, last, false), 100)
time('status of one job with units', () => jobStatuses(store, last, true), 100)
time(`status list (newest ${MAX_JOBS_LISTED} and the count)`, () => listedJobs(store, MAX_JOBS_LISTED), 10)
time('running jobs of a submitter (each submit)', () => store.countJobsOf('client', 'running'), 100)
store.close()
rmSync(dir, { recursive: true, force: true })
