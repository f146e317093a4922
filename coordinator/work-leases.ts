/**
 * Work leases in flight: a unit's replica held by one peer until its deadline. Each lease is
 * in the store (the source of truth) and indexed here with its job and unit, whose `active`
 * and `peers` sets it keeps in step.
 */
import type { JobSlot, UnitSlot } from './job-slot.ts'
import type { LeaseRow, Store } from './store.ts'

export interface WorkLease { id: string, peer: string, job: JobSlot, unit: UnitSlot, deadlineMs: number }

export type LeaseEnd = 'cancelled' | 'expired' | 'released'

export class WorkLeases {
  readonly #store: Store
  readonly #live = new Map<string, WorkLease>()

  constructor (store: Store) {
    this.#store = store
  }

  get size (): number { return this.#live.size }

  clear (): void { this.#live.clear() }

  get (id: string): WorkLease | undefined { return this.#live.get(id) }

  values (): IterableIterator<WorkLease> { return this.#live.values() }

  /** Rebuilds an active lease after a restart (it keeps its deadline). */
  restore (row: LeaseRow, job: JobSlot, unit: UnitSlot): void {
    this.#index({ id: row.id, peer: row.peer, job, unit, deadlineMs: row.deadline_ms })
  }

  issue (id: string, peer: string, job: JobSlot, unit: UnitSlot, now: number): WorkLease {
    const lease = { id, peer, job, unit, deadlineMs: now + job.spec.unitTimeoutMs }
    this.#store.insertLease({ id, job_id: job.id, idx: unit.idx, peer, issued_ms: now, deadline_ms: lease.deadlineMs, state: 'active', spot: 0 })
    this.#index(lease)
    return lease
  }

  /** The lease a result answers: it leaves the table as `returned`. */
  take (id: string): void {
    this.#unindex(id)
    this.#store.setLeaseState(id, 'returned')
  }

  /** Ends a lease without a result; false when it was not live. */
  drop (id: string, end: LeaseEnd): boolean {
    if (!this.#unindex(id)) return false
    this.#store.setLeaseState(id, end)
    return true
  }

  /** Cancels every live lease that matches. */
  cancelWhere (matches: (lease: WorkLease) => boolean): WorkLease[] {
    const cancelled = [...this.#live.values()].filter(matches)
    for (const lease of cancelled) this.drop(lease.id, 'cancelled')
    return cancelled
  }

  /** Leases past their deadline. */
  due (now: number): WorkLease[] {
    return [...this.#live.values()].filter((l) => l.deadlineMs <= now)
  }

  #index (lease: WorkLease): void {
    lease.unit.active.add(lease.id)
    lease.unit.peers.add(lease.peer)
    this.#live.set(lease.id, lease)
  }

  #unindex (id: string): boolean {
    const lease = this.#live.get(id)
    if (lease == null) return false
    this.#live.delete(id)
    lease.unit.active.delete(id)
    return true
  }
}
