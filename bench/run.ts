/**
 * `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same
 * run (absolute times drift on shared machines). `--json` prints one JSON object;
 * `--only engine,grid,coordinator,credit` runs a subset.
 */
import { benchCoordinator } from './coordinator.ts'
import { benchCredit } from './credit.ts'
import { benchEngine } from './engine.ts'
import { benchGrid } from './grid.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const onlyArg = args[args.indexOf('--only') + 1]
const only = args.includes('--only') && onlyArg != null ? new Set(onlyArg.split(',')) : undefined
const want = (name: string): boolean => only == null || only.has(name)
const say = (line: string): void => { if (!json) process.stdout.write(line + '\n') }
const fmt = (n: number, digits = 1): string => n.toFixed(digits)
const verdict = (ok: boolean): string => ok ? 'meets target' : 'BELOW TARGET'

const results: Record<string, unknown> = {}

if (want('engine')) {
  say('engine: primes kernel, 200 units of ~10 ms, local Piscina pool')
  const r = results.engine = await benchEngine()
  say(`  1 thread ${fmt(r.rate1)} units/s, 2 threads ${fmt(r.rate2)} units/s`)
  say(`  2-thread rate / ideal (2 × 1-thread) = ${fmt(r.ratioToIdeal, 3)}  (target ≥ 0.9: ${verdict(r.ratioToIdeal >= 0.9)})`)
}

if (want('grid')) {
  say('grid: coordinator + one worker process (2 threads), quorum 1, vs the local engine (2 threads)')
  const reports = results.grid = await benchGrid([{ unitMs: 10, units: 400 }, { unitMs: 1, units: 2000 }])
  for (const r of reports) {
    const target = r.unitMs >= 10 ? 0.9 : 0.6
    say(`  ${r.unitMs} ms units ×${r.units}: local ${fmt(r.localRate)} units/s, grid ${fmt(r.gridRate)} units/s, grid/local = ${fmt(r.ratio, 3)}  (target ≥ ${target}: ${verdict(r.ratio >= target)})`)
  }
}

if (want('coordinator')) {
  say('coordinator: real scheduler + SQLite + work service + codecs, 50 simulated workers, quorum 2, near-empty units')
  const r = results.coordinator = benchCoordinator()
  say(`  ${r.units} units accepted in ${fmt(r.seconds, 2)} s = ${fmt(r.acceptedPerSecond, 0)} units/s  (target ≥ 5000: ${verdict(r.acceptedPerSecond >= 5000)}; BOINC's published single server: ~100 jobs/s)`)
}

if (want('credit')) {
  say('credit: credit granted per CPU-second spent, one typical unit per kind (1.0 on the reference core)')
  const r = results.credit = benchCredit()
  for (const s of r.samples) say(`  ${s.kind.padEnd(14)} ${fmt(s.credit, 3)} credit for ${fmt(s.cpuSeconds, 3)} s CPU = ${fmt(s.creditPerCpuSecond, 2)} credit/CPU-s`)
  say(`  spread between kinds (max / min) = ${fmt(r.spread, 2)}  (target ≤ 1.5: ${verdict(r.spread <= 1.5)})`)
}

if (json) process.stdout.write(JSON.stringify(results) + '\n')
