/**
 * What the dashboard measures in memory: accepted units per second over the last minutes (a
 * ring buffer sampled every second) and validation outcomes counted from reputation changes.
 * No timers and no subscriptions here: the live feed drives these with explicit calls.
 */
import type { Reputation } from '../coordinator/reputation.ts'

export interface ThroughputSample {
  /** End of the one-second window. */
  readonly atMs: number
  /** Units accepted in the window. */
  readonly accepted: number
}

/** A fixed-capacity FIFO that overwrites its oldest entry. */
export class RingBuffer<T> {
  readonly capacity: number
  readonly #items: T[] = []
  #start = 0

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer (got ${capacity})`)
    this.capacity = capacity
  }

  get size (): number { return this.#items.length }

  push (item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item)
      return
    }
    this.#items[this.#start] = item
    this.#start = (this.#start + 1) % this.capacity
  }

  /** Oldest first. */
  toArray (): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)]
  }

  last (): T | undefined {
    return this.#items.length === 0 ? undefined : this.#items[(this.#start + this.#items.length - 1) % this.#items.length]
  }
}

/** Five minutes of one-second samples. */
export const THROUGHPUT_WINDOW = 300

export class ThroughputMeter {
  readonly #ring: RingBuffer<ThroughputSample>
  #pending = 0
  #total = 0

  constructor (capacity = THROUGHPUT_WINDOW) {
    this.#ring = new RingBuffer(capacity)
  }

  count (units = 1): void {
    this.#pending += units
    this.#total += units
  }

  /** Closes the current window at `atMs`, returning its sample. */
  sample (atMs: number): ThroughputSample {
    const sample = { atMs, accepted: this.#pending }
    this.#pending = 0
    this.#ring.push(sample)
    return sample
  }

  /** Accepted units since the dashboard started. */
  get total (): number { return this.#total }
  samples (): ThroughputSample[] { return this.#ring.toArray() }
  latest (): ThroughputSample | undefined { return this.#ring.last() }
}

export const OUTCOMES = ['valid', 'invalid', 'spot-pass', 'spot-fail', 'error', 'timeout'] as const
export type Outcome = typeof OUTCOMES[number]
export type OutcomeCounts = Record<Outcome, number>

type Counters = Pick<Reputation, 'valid' | 'invalid' | 'errors' | 'timeouts' | 'spotPassed' | 'spotFailed'>

export const zeroOutcomes = (): OutcomeCounts => ({ valid: 0, invalid: 0, 'spot-pass': 0, 'spot-fail': 0, error: 0, timeout: 0 })

/**
 * The outcomes between two reputations of one peer. A failed spot-check also counts as an
 * invalid result in the reputation, so it is not counted twice here; an unban resets the
 * failed checks, which is no outcome at all (counts never go negative).
 */
export function outcomeDeltas (before: Counters, after: Counters): OutcomeCounts {
  const up = (a: number, b: number): number => Math.max(0, b - a)
  const spotFail = up(before.spotFailed, after.spotFailed)
  return {
    valid: up(before.valid, after.valid),
    invalid: Math.max(0, up(before.invalid, after.invalid) - spotFail),
    'spot-pass': up(before.spotPassed, after.spotPassed),
    'spot-fail': spotFail,
    error: up(before.errors, after.errors),
    timeout: up(before.timeouts, after.timeouts)
  }
}

const NO_RECORD: Counters = { valid: 0, invalid: 0, errors: 0, timeouts: 0, spotPassed: 0, spotFailed: 0 }

/** Counts validation outcomes from successive reputations of each peer. */
export class OutcomeCounter {
  readonly #last = new Map<string, Counters>()
  readonly #totals = zeroOutcomes()

  /** Records where a peer stood when counting began, so its past is not counted as new. */
  seed (peer: string, counters: Counters): void {
    this.#last.set(peer, pick(counters))
  }

  observe (peer: string, counters: Counters): void {
    const deltas = outcomeDeltas(this.#last.get(peer) ?? NO_RECORD, counters)
    for (const o of OUTCOMES) this.#totals[o] += deltas[o]
    this.#last.set(peer, pick(counters))
  }

  totals (): OutcomeCounts {
    return { ...this.#totals }
  }
}

const pick = (c: Counters): Counters => ({ valid: c.valid, invalid: c.invalid, errors: c.errors, timeouts: c.timeouts, spotPassed: c.spotPassed, spotFailed: c.spotFailed })
