/**
 * `npm run fuzz`: every wire decoder, the frame splitter and the coordinator's protocol
 * handlers (jobs, work, admin) against random, valid and mutated input (see each target for
 * its contract); the work handler both as in production and without automatic bans
 * (`WorkService.serve/no-bans`).
 *
 *   npm run fuzz                          100,000 cases per target, a fresh seed
 *   npm run fuzz -- --cases 5000 --seed 42 --only JobService.serve,decodeWorkRequest
 *   npm run fuzz -- --json                one JSON object instead of the table
 *
 * Prints the seed (replay a run with `--seed`), a table of cases, failures and time per
 * target, how the cases ended, and each failure's counterexample. Exits 1 on any failure.
 */
import { parseArgs } from 'node:util'
import { adminServiceTarget } from './fuzz-admin-service.ts'
import { DECODER_TARGETS } from './fuzz-decoders.ts'
import { jobServiceTarget } from './fuzz-job-service.ts'
import type { FuzzReport, FuzzTarget } from './fuzz-target.ts'
import { workServiceTarget } from './fuzz-work-service.ts'

// The work handler runs twice: as in production, and without automatic bans, which otherwise
// soon refuse a fuzzing peer's pulls and so limit how deep the rest of the protocol is explored.
const TARGETS: readonly FuzzTarget[] = [...DECODER_TARGETS, jobServiceTarget, workServiceTarget(), workServiceTarget({ bans: false }), adminServiceTarget]

function usage (problem: string): never {
  process.stderr.write(`fuzz: ${problem}\nusage: npm run fuzz -- [--cases N] [--seed N] [--only ${TARGETS.map((t) => t.name).join(',')}] [--json]\n`)
  process.exit(2)
}

function positiveInteger (flag: string, value: string | undefined, fallback: number): number {
  if (value == null) return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) usage(`${flag} must be a positive integer (got "${value}")`)
  return n
}

let args
try {
  args = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' } } }).values
} catch (err) {
  usage((err as Error).message)
}
const cases = positiveInteger('--cases', args.cases, 100_000)
const seed = positiveInteger('--seed', args.seed, Date.now() % 2 ** 31)
const only = args.only?.split(',').map((s) => s.trim()).filter(Boolean)
const unknown = only?.filter((name) => !TARGETS.some((t) => t.name === name)) ?? []
if (unknown.length > 0) usage(`unknown target ${unknown.join(', ')}`)
const targets = only == null ? TARGETS : TARGETS.filter((t) => only.includes(t.name))
const json = args.json === true
const say = (line: string): void => { if (!json) process.stdout.write(line + '\n') }

say(`fuzzing ${targets.length} targets, ${cases.toLocaleString('en')} cases each, seed ${seed} (replay with --seed ${seed})`)
const reports: FuzzReport[] = []
for (const [i, target] of targets.entries()) {
  // Each target gets its own seed, derived so that --only replays a target's cases exactly.
  const report = await target.run({ cases, seed: seed + TARGETS.indexOf(target) })
  reports.push(report)
  say(`  ${String(i + 1).padStart(2)}/${targets.length} ${target.name}: ${report.cases.toLocaleString('en')} cases, ${report.failure == null ? 'no failure' : 'FAILED'} (${(report.ms / 1000).toFixed(1)} s)`)
}

if (json) {
  process.stdout.write(JSON.stringify({ seed, casesPerTarget: cases, targets: reports }) + '\n')
} else {
  const rows = reports.map((r) => [r.target, r.cases.toLocaleString('en'), r.failure == null ? '0' : '1', (r.ms / 1000).toFixed(1), Math.round(r.cases / (r.ms / 1000)).toLocaleString('en')])
  const header = ['target', 'cases', 'failures', 'seconds', 'cases/s']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)))
  const line = (cells: string[]): string => cells.map((cell, c) => c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)).join('  ')
  say('')
  say(line(header))
  say(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of rows) say(line(row))
  say('')
  say('how the cases ended:')
  for (const r of reports) {
    const outcomes = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).map(([label, n]) => `${label} ${n.toLocaleString('en')}`)
    say(`  ${r.target}: ${outcomes.join(', ')}`)
  }
  for (const r of reports.filter((x) => x.failure != null)) say(`\nFAILURE in ${r.target}:\n${r.failure}`)
}
process.exitCode = reports.some((r) => r.failure != null) ? 1 : 0
