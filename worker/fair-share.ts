/**
 * Sharing a worker's threads between coordinators by weight (`--weight PEER=3`).
 *
 * Two decisions, both pure:
 * - which coordinator's queued lease runs next: start-time fair queuing on thread time
 *   ({@link FairShare}). Each coordinator has a virtual "pass"; the one with the lowest pass
 *   runs next and its pass advances by the unit's thread time divided by its weight. Thread
 *   time rather than a unit count, so a coordinator with long units does not get more CPU
 *   for the same weight. A coordinator that had nothing queued may not bank the time it was
 *   absent beyond `lagMs` of its thread time (bounded catch-up, enough to cover a pull in
 *   flight), and a newcomer starts level with the others: either gets its share from then
 *   on, not a monopoly.
 * - how many leases to ask each coordinator for ({@link planPulls}): the worker's slots
 *   (threads + prefetch) are divided by weight among the coordinators that have work, so
 *   each has leases queued when its turn comes. A coordinator with no work gives its share
 *   to the others, which keeps the threads busy (work conserving).
 *
 * Weight 0 makes a coordinator a backup, as in BOINC's zero resource share: it is served
 * only while no coordinator with a positive weight has work.
 */

export interface ShareAccount {
  readonly id: string
  readonly weight: number
}

/**
 * How far behind the others (in its own thread time) an account may fall and still catch up.
 * Long enough to cover the moments a coordinator's queue runs dry while its next pull is in
 * flight, which on a loaded machine add up to seconds; short enough that a coordinator back
 * from a long idle spell does not hold the threads for long.
 */
export const DEFAULT_LAG_MS = 5_000

/** The accounts that compete: the positive-weight ones if any, else the backups (as weight 1). */
export function competing<T extends ShareAccount> (accounts: readonly T[]): Array<T & { share: number }> {
  const primary = accounts.filter((a) => a.weight > 0)
  return primary.length > 0
    ? primary.map((a) => ({ ...a, share: a.weight }))
    : accounts.map((a) => ({ ...a, share: 1 }))
}

export class FairShare {
  readonly #passes = new Map<string, number>()
  readonly #lagMs: number
  /** The start tag of the last pick: where "now" is in virtual time. */
  #virtual = 0

  constructor (lagMs: number = DEFAULT_LAG_MS) {
    this.#lagMs = lagMs
  }

  /** Chooses whose lease runs next among `candidates` (those with leases queued). */
  pick (candidates: readonly ShareAccount[]): string | undefined {
    let best: { id: string, start: number } | undefined
    for (const { id, share } of competing(candidates)) {
      const pass = this.#passes.get(id)
      const start = pass === undefined ? this.#virtual : Math.max(pass, this.#virtual - this.#lagMs / share)
      if (best === undefined || start < best.start || (start === best.start && id < best.id)) best = { id, start }
    }
    if (best === undefined) return undefined
    this.#passes.set(best.id, best.start)
    this.#virtual = Math.max(this.#virtual, best.start)
    return best.id
  }

  /**
   * Charges `costMs` of thread time to `id`, whose weight is `weight` (0 counts as 1 among
   * backups). Charge an estimate when a unit starts and the difference when it ends.
   */
  charge (id: string, weight: number, costMs: number): void {
    this.#passes.set(id, (this.#passes.get(id) ?? this.#virtual) + costMs / (weight > 0 ? weight : 1))
  }

  forget (id: string): void {
    this.#passes.delete(id)
  }
}

export interface PullCandidate extends ShareAccount {
  /** Whether a pull may be sent now (none in flight, not backing off, work believed available). */
  readonly pullable: boolean
  /** Leases of this coordinator queued or running here. */
  readonly held: number
  /** Leases asked for in pulls still in flight. */
  readonly pulling: number
}

export interface PullPlanInit {
  /** Leases the worker holds at most: threads + prefetch. */
  readonly slots: number
  readonly prefetch: number
}

/**
 * How many leases to ask each coordinator for now. Pulls go out in batches (half of a
 * coordinator's part of the prefetch, at least one) to keep request frames few.
 */
export function planPulls (candidates: readonly PullCandidate[], { slots, prefetch }: PullPlanInit): Array<{ id: string, units: number }> {
  let free = slots - candidates.reduce((n, c) => n + c.held + c.pulling, 0)
  const active = competing(candidates.filter((c) => c.pullable || c.held > 0 || c.pulling > 0))
  const total = active.reduce((n, c) => n + c.share, 0)
  const wants = active
    .filter((c) => c.pullable)
    .map((c) => ({ id: c.id, want: Math.ceil(slots * c.share / total) - c.held - c.pulling, batch: Math.max(1, Math.floor(prefetch * c.share / total / 2)) }))
    .sort((a, b) => b.want - a.want || (a.id < b.id ? -1 : 1))
  const plan: Array<{ id: string, units: number }> = []
  for (const { id, want, batch } of wants) {
    const units = Math.min(want, free)
    if (units < batch) continue
    plan.push({ id, units })
    free -= units
  }
  return plan
}
