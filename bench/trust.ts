/**
 * `npm run bench:trust`: the adversarial simulation (bench/trust-sim.ts) at f = 0.1, 0.2
 * and 0.3 with credibility validation, plain 2-of-3 majority voting on the same simulation
 * beside it, and a network of honest veterans. `--json` prints the figures as JSON;
 * `--units N` (default 100,000) and `--workers N` (default 200) size every setting.
 */
import { simulate, type SimReport } from './trust-sim.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name)
  const value = i >= 0 ? Number(args[i + 1]) : fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}
const units = option('--units', 100_000)
const workers = option('--workers', 200)

const reports: SimReport[] = []
const say = (line: string): void => { if (!json) process.stdout.write(line + '\n') }
const fmt = (x: number | null, digits = 2): string => x == null ? '-' : x.toFixed(digits)
const row = (r: SimReport): string =>
  `${r.label.padEnd(30)} ${r.acceptedWrongRate.toExponential(1).padStart(8)} ${fmt(r.meanResultsPerUnit).padStart(6)} ` +
  `${fmt(r.alwaysLiarResultsBeforeBan.median, 1).padStart(7)}/${fmt(r.alwaysLiarResultsBeforeBan.p95, 0).padEnd(5)} ` +
  `${fmt(r.saboteurResultsBeforeBan.median, 1).padStart(7)}/${fmt(r.saboteurResultsBeforeBan.p95, 0).padEnd(5)} ` +
  `${String(r.honestBanned).padStart(4)} (${(r.honestBannedFraction * 100).toFixed(1)}%)  ${r.acceptedUnits}/${r.units}  ${fmt(r.seconds, 0)}s`

say(`trust: ${workers} simulated workers, ${units} units per setting, real scheduler + validator + reputation + SQLite`)
say('honest workers err at 1e-3; malicious: random liars, colluders (one shared wrong answer), saboteurs (lie on 1-10%), all rejoining under new identities when banned')
say(`${'setting'.padEnd(30)} ${'wrong'.padStart(8)} ${'res/u'.padStart(6)} ${'liar ban med/p95'.padStart(13)} ${'sabot. med/p95'.padStart(13)} honest banned  accepted  time`)
for (const f of [0.1, 0.2, 0.3]) {
  for (const validation of ['credibility', 'majority'] as const) {
    const r = simulate({ label: `f=${f} ${validation === 'credibility' ? 'credibility' : '2-of-3 majority'}`, maliciousFraction: f, workers, units, validation, seed: Math.round(f * 1000) })
    reports.push(r)
    say(row(r))
  }
}
for (const honestErrorRate of [1e-3, 1e-5]) {
  const veterans = simulate({ label: `honest veterans, errors ${honestErrorRate}`, maliciousFraction: 0, workers, units, validation: 'credibility', veterans: true, honestErrorRate, seed: 7 })
  reports.push(veterans)
  say(row(veterans))
}
say('targets: wrong <= 1e-4 everywhere; res/u <= 2.5 at f=0.2, <= 3.0 at f=0.3, <= 1.3 for honest veterans; always-liars banned after a median <= 10 results; <= 1% honest banned')
if (json) process.stdout.write(JSON.stringify(reports) + '\n')
