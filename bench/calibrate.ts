/**
 * Sizes primes units to a target duration on this machine, measured in the same run so that
 * every benchmark compares like with like on a shared, noisy machine.
 */
import { countPrimes } from '../jobs/primes.ts'

/** Where benchmark units start: far enough from 0 that every unit costs the same. */
export const BASE = 1_000_000_000

/** Span of numbers per unit whose sieve takes about `targetMs` on one thread here. */
export function spanFor (targetMs: number): number {
  countPrimes(BASE, BASE + 1_000_000) // warm up the sieve's base primes and the JIT
  let span = 1_000_000
  for (let round = 0; round < 4; round++) {
    const started = performance.now()
    let reps = 0
    while (performance.now() - started < 200) { countPrimes(BASE, BASE + span); reps++ }
    const ms = (performance.now() - started) / reps
    span = Math.max(1000, Math.round(span * targetMs / ms))
  }
  return span
}

export function primesJob (span: number, units: number, quorum = 1): { kind: string, params: { from: number, to: number }, units: number, quorum: number } {
  return { kind: 'primes', params: { from: BASE, to: BASE + span * units }, units, quorum }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
