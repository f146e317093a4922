/**
 * Spot-check leases in flight: issued like work, answered against the known digest, handed
 * back, expired or cancelled. Their outcomes move reputation only; they never count as votes.
 */
import { createHash } from 'node:crypto'
import type { PeerBook } from './peer-book.ts'
import type { SpotEntry } from './spot-checks.ts'
import type { LeaseRow, ResultStatus, Store } from './store.ts'

export interface SpotLease { id: string, peer: string, entry: SpotEntry, deadlineMs: number, timeoutMs: number }

export interface SpotAnswer { status: Exclude<ResultStatus, 'invalid'>, output?: Uint8Array, cpuMs?: number }

export class SpotLeases {
  readonly #store: Store
  readonly #peers: PeerBook
  readonly #live = new Map<string, SpotLease>()

  constructor (store: Store, peers: PeerBook) {
    this.#store = store
    this.#peers = peers
  }

  get size (): number { return this.#live.size }

  clear (): void { this.#live.clear() }

  /** Rebuilds an active spot lease after a restart; false when its answer is gone. */
  restore (lease: LeaseRow): boolean {
    const unit = this.#store.getUnit(lease.job_id, lease.idx)
    const kind = this.#store.getJob(lease.job_id)?.kind
    if (unit?.digest == null || kind == null) return false
    const entry = { jobId: lease.job_id, idx: lease.idx, kind, payload: unit.payload_json, digest: unit.digest, credit: unit.credit ?? 0, peers: new Set<string>() }
    this.#live.set(lease.id, { id: lease.id, peer: lease.peer, entry, deadlineMs: lease.deadline_ms, timeoutMs: lease.deadline_ms - lease.issued_ms })
    return true
  }

  issue (id: string, peer: string, entry: SpotEntry, timeoutMs: number, now: number): SpotLease {
    const lease = { id, peer, entry, deadlineMs: now + timeoutMs, timeoutMs }
    this.#store.insertLease({ id, job_id: entry.jobId, idx: entry.idx, peer, issued_ms: now, deadline_ms: lease.deadlineMs, state: 'active', spot: 1 })
    this.#live.set(id, lease)
    return lease
  }

  /** Scores an answer to a spot-check; false when `id` is no spot lease of `peer`. */
  record (id: string, peer: string, answer: SpotAnswer, now: number): boolean {
    const spot = this.#live.get(id)
    if (spot == null || spot.peer !== peer) return false
    this.#live.delete(id)
    this.#store.setLeaseState(id, 'returned')
    const digest = answer.status === 'ok' && answer.output != null ? createHash('sha256').update(answer.output).digest('base64url') : null
    this.#store.insertResult({ lease_id: id, job_id: spot.entry.jobId, idx: spot.entry.idx, peer, status: answer.status, digest, output: null, counted: 0, cpu_ms: Math.round(answer.cpuMs ?? 0), received_ms: now })
    // A passed check is real work with a right answer, and earns what the unit is worth.
    if (answer.status === 'ok' && digest === spot.entry.digest) this.#store.creditResult(id, peer, spot.entry.credit, now)
    if (answer.status === 'ok') this.#peers.apply(peer, digest === spot.entry.digest ? 'spot-pass' : 'spot-fail', now)
    else this.#peers.apply(peer, answer.status === 'timeout' ? 'timeout' : 'error', now)
    return true
  }

  /** Ends a peer's spot lease early (`released`) or all of them (`cancelled`, on a ban). */
  drop (peer: string, state: 'released' | 'cancelled', id?: string): number {
    let dropped = 0
    for (const [leaseId, spot] of this.#live) {
      if (spot.peer !== peer || (id != null && leaseId !== id)) continue
      this.#live.delete(leaseId)
      this.#store.setLeaseState(leaseId, state)
      dropped++
    }
    return dropped
  }

  hasDue (now: number): boolean {
    for (const spot of this.#live.values()) if (spot.deadlineMs <= now) return true
    return false
  }

  /** Expires spot leases past their deadline, each a timeout on its peer's record. */
  expire (now: number): SpotLease[] {
    const due = [...this.#live.values()].filter((s) => s.deadlineMs <= now)
    for (const spot of due) {
      this.#live.delete(spot.id)
      this.#store.setLeaseState(spot.id, 'expired')
      this.#peers.apply(spot.peer, 'timeout', now)
    }
    return due
  }
}
