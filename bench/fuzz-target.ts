/**
 * What every fuzz target shares: a named property run for a number of cases from a seed,
 * a tally of how the cases ended (accepted, refused with which status, …), and a report
 * that carries fast-check's counterexample when a case broke the property.
 */
import fc from 'fast-check'
import { applyMutations, withPartner, mutationArb, type Mutation } from './fuzz-mutations.ts'

/** A case broke a target's contract; the message says which part. */
export class FuzzPropertyError extends Error {
  override name = 'FuzzPropertyError'
}

export function fail (message: string): never {
  throw new FuzzPropertyError(message)
}

export interface FuzzOptions {
  cases: number
  seed: number
}

export interface FuzzReport {
  target: string
  cases: number
  /** How the cases ended, by label; failing and shrinking runs are counted too. */
  outcomes: Record<string, number>
  /** fast-check's report of the first failing case (with the seed and path that replay it). */
  failure?: string
  ms: number
}

export interface FuzzTarget {
  readonly name: string
  run (options: FuzzOptions): Promise<FuzzReport>
}

export class Tally {
  readonly counts: Record<string, number> = {}
  add (label: string): void { this.counts[label] = (this.counts[label] ?? 0) + 1 }
}

/**
 * Bytes to feed a decoder or handler: random, a valid encoding, or a valid encoding after a
 * few mutations (a splice takes its tail from a second valid encoding).
 */
export type FuzzInput<T> =
  | { readonly source: 'random', readonly bytes: Uint8Array }
  | { readonly source: 'valid', readonly value: T }
  | { readonly source: 'mutated', readonly value: T, readonly mutations: readonly Mutation[], readonly partner: T }

export function inputArb<T> (valueArb: fc.Arbitrary<T>, weights = { random: 2, valid: 1, mutated: 5 }): fc.Arbitrary<FuzzInput<T>> {
  return fc.oneof(
    { weight: weights.random, arbitrary: fc.record({ source: fc.constant('random' as const), bytes: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 2048 })) }) },
    { weight: weights.valid, arbitrary: fc.record({ source: fc.constant('valid' as const), value: valueArb }) },
    { weight: weights.mutated, arbitrary: fc.record({ source: fc.constant('mutated' as const), value: valueArb, mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }), partner: valueArb }) }
  )
}

export function inputBytes<T> (input: FuzzInput<T>, encode: (value: T) => Uint8Array): Uint8Array {
  switch (input.source) {
    case 'random': return input.bytes
    case 'valid': return encode(input.value)
    case 'mutated': {
      const partner = encode(input.partner)
      return applyMutations(encode(input.value), input.mutations.map((m) => withPartner(m, partner)))
    }
  }
}

/**
 * Runs `property` for `cases` cases. Stateful targets pass `shrink: false`: shrinking replays
 * cases against state that earlier cases changed, so the first failure is the one to read.
 */
export async function runProperty<T> (
  name: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => void | Promise<void>,
  tally: Tally,
  options: FuzzOptions & { shrink?: boolean }
): Promise<FuzzReport> {
  const started = performance.now()
  const params = { numRuns: options.cases, seed: options.seed, endOnFailure: options.shrink === false }
  const details = await fc.check(fc.asyncProperty(arbitrary, async (value) => { await property(value) }), params)
  const report: FuzzReport = { target: name, cases: details.numRuns, outcomes: tally.counts, ms: performance.now() - started }
  if (details.failed) report.failure = describeFailure(details)
  return report
}

/** Synchronous properties skip the promise per case, which is most of a decoder case's cost. */
export function runSyncProperty<T> (
  name: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => void,
  tally: Tally,
  options: FuzzOptions
): FuzzReport {
  const started = performance.now()
  const details = fc.check(fc.property(arbitrary, property), { numRuns: options.cases, seed: options.seed })
  const report: FuzzReport = { target: name, cases: details.numRuns, outcomes: tally.counts, ms: performance.now() - started }
  if (details.failed) report.failure = describeFailure(details)
  return report
}

function describeFailure<Ts> (details: fc.RunDetails<Ts>): string {
  const error = details.errorInstance instanceof Error ? `${details.errorInstance.name}: ${details.errorInstance.message}` : String(details.errorInstance)
  return `${error}\n${fc.defaultReportMessage(details) ?? ''}`
}
