/**
 * Spot-checks (Sarmenta): units whose answer the coordinator already holds with high
 * credibility, leased like fresh work so a peer cannot tell them apart. Young peers are
 * checked often, trusted ones rarely, so honest networks pay little.
 */
import type { Reputation } from './reputation.ts'
import { isYoung } from './reputation.ts'

export interface SpotEntry {
  jobId: string
  idx: number
  kind: string
  payload: string
  digest: string
  /** What a right answer earns: the unit's credit. */
  credit: number
  /** Peers whose results backed the answer; never checked with it (they know it). */
  peers: ReadonlySet<string>
}

/** Fraction of a peer's leases that are spot-checks, by standing. */
export const SPOT_CHECK_RATE = { young: 0.5, probation: 0.1, trusted: 0.03 } as const
export const SPOT_POOL_CAPACITY = 2000

export function spotCheckRate (r: Reputation): number {
  if (isYoung(r)) return SPOT_CHECK_RATE.young
  return r.state === 'trusted' ? SPOT_CHECK_RATE.trusted : SPOT_CHECK_RATE.probation
}

export class SpotCheckPool {
  readonly #entries: SpotEntry[] = []
  readonly #random: () => number

  constructor (random: () => number = Math.random) {
    this.#random = random
  }

  get size (): number { return this.#entries.length }

  add (entry: SpotEntry): void {
    if (this.#entries.length < SPOT_POOL_CAPACITY) this.#entries.push(entry)
    else this.#entries[Math.floor(this.#random() * SPOT_POOL_CAPACITY)] = entry
  }

  /** Forgets answers a banned peer helped establish: they are no longer known right. */
  dropBackedBy (peer: string): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      if (this.#entries[i]!.peers.has(peer)) this.#entries.splice(i, 1)
    }
  }

  /** A random known answer this peer did not help establish, or undefined. */
  pick (peer: string): SpotEntry | undefined {
    for (let attempt = 0; attempt < 8 && this.#entries.length > 0; attempt++) {
      const entry = this.#entries[Math.floor(this.#random() * this.#entries.length)]!
      if (!entry.peers.has(peer)) return entry
    }
    return undefined
  }
}
