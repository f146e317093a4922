/**
 * Credit calibration: for a typical unit of every kind, the credit it earns per CPU-second it
 * takes on this machine. On the reference core every ratio is about 1; elsewhere they move
 * together, and the spread between kinds (max / min) says how fair credit is across kinds.
 */
import { getKind } from '../jobs/registry.ts'

/** One unit per kind, each some hundreds of ms, taken from realistic job files. */
const SAMPLES = [
  { kind: 'primes', params: { from: 1_000_000_000, to: 1_200_000_000 }, units: 1 },
  { kind: 'montecarlo-pi', params: { samples: 40_000_000, seed: 7 }, units: 1 },
  { kind: 'mandelbrot', params: { width: 640, height: 480, centerX: -0.7436, centerY: 0.1318, scale: 0.004, maxIterations: 800 }, units: 4 },
  { kind: 'mandelbrot', params: { width: 640, height: 480, centerX: -0.5, centerY: 0, scale: 3.5, maxIterations: 2000 }, units: 2 },
  { kind: 'hash-search', params: { data: 'peergrid credit', difficultyBits: 40, nonces: 300_000 }, units: 1 }
]

export interface CreditSample { kind: string, credit: number, cpuSeconds: number, creditPerCpuSecond: number }

function cpuSeconds (fn: () => void): number {
  const started = process.cpuUsage()
  fn()
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1e6
}

export function benchCredit (): { samples: CreditSample[], spread: number } {
  const samples = SAMPLES.map(({ kind: name, params, units }) => {
    const kind = getKind(name)
    const unit = kind.parseUnit(JSON.parse(JSON.stringify(kind.split(params, units)[0])))
    kind.run(unit) // warm up the JIT (and the primes sieve's base primes)
    let output: unknown
    const seconds = Math.min(...[0, 1, 2].map(() => cpuSeconds(() => { output = kind.run(unit) })))
    const credit = kind.credit(unit, output)
    return { kind: name, credit, cpuSeconds: seconds, creditPerCpuSecond: credit / seconds }
  })
  const ratios = samples.map((s) => s.creditPerCpuSecond)
  return { samples, spread: Math.max(...ratios) / Math.min(...ratios) }
}
