import { beforeEach, describe, expect, it } from '@jest/globals'
import { getKind } from '../../jobs/registry.ts'
import { Scheduler, type IssuedLease } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'
import { scratchStore } from '../helpers/scratch-store.ts'

const primes = getKind('primes')
/** What an honest worker returns for a lease. */
const honest = (lease: IssuedLease): Uint8Array => primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(lease.payload))))
const lie = (): Uint8Array => primes.encodeOutput({ count: 7 })
const spec = (extra: Record<string, unknown> = {}) => ({ kind: 'primes', params: { from: 0, to: 10_000 }, units: 4, ...extra })

describe('Scheduler', () => {
  const db = scratchStore('sched')
  let store: Store
  let now: number
  let scheduler: Scheduler

  beforeEach(() => {
    store = db.store
    now = 1_000_000
    scheduler = new Scheduler(store, () => now)
  })

  const complete = (peer: string, leases: IssuedLease[], output = honest) =>
    scheduler.report(peer, leases.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l) })))

  it('accepts units when two distinct peers agree, then merges the job', () => {
    const { jobId, units } = scheduler.addJob(spec(), 'client')
    expect(units).toBe(4)
    const a = scheduler.lease('A', 10)
    expect(a.map((l) => l.unitIndex)).toEqual([0, 1, 2, 3])
    expect(scheduler.lease('A', 10)).toEqual([])
    const b = scheduler.lease('B', 10)
    expect(b.map((l) => l.unitIndex).sort()).toEqual([0, 1, 2, 3])
    expect(complete('A', a)).toEqual(['OK', 'OK', 'OK', 'OK'])
    expect(store.getJob(jobId)?.units_accepted).toBe(0)
    complete('B', b)
    const job = store.getJob(jobId)
    expect(job?.state).toBe('completed')
    expect(JSON.parse(job!.result_json!)).toEqual({ count: 1229 })
    expect(store.unitEventCounts(jobId, 'accepted')).toEqual([0, 1, 2, 3].map((idx) => ({ idx, n: 1 })))
    expect(store.listPeers().map((p) => [p.id, p.valid])).toEqual([['A', 4], ['B', 4]])
  })

  it('sends a disagreeing unit to a third peer and counts the liar invalid', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1 }), 'client')
    complete('A', scheduler.lease('A', 1))
    complete('L', scheduler.lease('L', 1), lie)
    expect(scheduler.lease('A', 1)).toEqual([])
    const c = scheduler.lease('C', 1)
    expect(c).toHaveLength(1)
    complete('C', c)
    expect(store.getJob(jobId)?.state).toBe('completed')
    const peers = Object.fromEntries(store.listPeers().map((p) => [p.id, p]))
    expect(peers.L?.invalid).toBe(1)
    expect(peers.C?.valid).toBe(1)
  })

  it('expires a lease at its deadline and re-issues the unit elsewhere', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1, quorum: 1, unitTimeoutMs: 1000 }), 'client')
    scheduler.lease('S', 1)
    expect(scheduler.lease('B', 1)).toEqual([])
    now += 999
    expect(scheduler.expire()).toBe(0)
    now += 1
    expect(scheduler.expire()).toBe(1)
    complete('B', scheduler.lease('B', 1))
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(store.listPeers().find((p) => p.id === 'S')?.timeouts).toBe(1)
  })

  it('records a late result after its unit was accepted elsewhere, without counting it', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1, quorum: 1, unitTimeoutMs: 1000 }), 'client')
    const slow = scheduler.lease('S', 1)
    now += 1000
    scheduler.expire()
    complete('B', scheduler.lease('B', 1))
    expect(complete('S', slow)).toEqual(['LEASE_EXPIRED'])
    expect(store.getJob(jobId)?.results_received).toBe(1)
    expect(store.unitEventCounts(jobId, 'accepted')).toEqual([{ idx: 0, n: 1 }])
  })

  it('counts a late result while its unit is still open, and the replacement lease then gets nothing', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1, quorum: 1, unitTimeoutMs: 1000 }), 'client')
    const slow = scheduler.lease('S', 1)
    now += 1000
    scheduler.expire()
    const replacement = scheduler.lease('B', 1)
    expect(complete('S', slow)).toEqual(['OK'])
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(complete('B', replacement)).toEqual(['LEASE_EXPIRED'])
    expect(store.unitEventCounts(jobId, 'accepted')).toEqual([{ idx: 0, n: 1 }])
  })

  it('gives an expired unit back to the same peer when nobody else is there', () => {
    scheduler.addJob(spec({ units: 1, quorum: 1, unitTimeoutMs: 1000 }), 'client')
    scheduler.lease('S', 1)
    now += 1000
    scheduler.expire()
    expect(scheduler.lease('S', 1)).toHaveLength(1)
  })

  it('lets a peer whose attempt failed try the unit again', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1 }), 'client')
    const a = scheduler.lease('A', 1)
    complete('B', scheduler.lease('B', 1))
    expect(scheduler.report('A', [{ leaseId: a[0]!.id, status: 'timeout' }])).toEqual(['OK'])
    const retry = scheduler.lease('A', 1)
    expect(retry).toHaveLength(1)
    complete('A', retry)
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(store.listPeers().find((p) => p.id === 'A')?.timeouts).toBe(1)
  })

  it('refuses results for leases a peer does not hold', () => {
    scheduler.addJob(spec({ units: 1 }), 'client')
    const a = scheduler.lease('A', 1)
    expect(complete('B', a)).toEqual(['NOT_FOUND'])
    expect(scheduler.report('A', [{ leaseId: 'no-such-lease', status: 'ok', output: new Uint8Array() }])).toEqual(['NOT_FOUND'])
  })

  it('treats an output that does not decode as an invalid result', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1 }), 'client')
    const a = scheduler.lease('A', 1)
    expect(scheduler.report('A', [{ leaseId: a[0]!.id, status: 'ok', output: new TextEncoder().encode('{"count":') }])).toEqual(['OK'])
    expect(store.listPeers()[0]?.invalid).toBe(1)
    expect(store.getJob(jobId)?.units_accepted).toBe(0)
  })

  it('gives released leases back at once, even to the same peer', () => {
    scheduler.addJob(spec({ units: 2 }), 'client')
    const a = scheduler.lease('A', 2)
    expect(scheduler.release('A', a.map((l) => l.id))).toBe(2)
    expect(scheduler.lease('A', 2).map((l) => l.unitIndex)).toEqual([0, 1])
  })

  it('marks a unit and its job failed when no quorum forms within maxResults', () => {
    const { jobId } = scheduler.addJob(spec({ units: 1, maxResults: 3 }), 'client')
    for (const peer of ['A', 'B', 'C']) {
      scheduler.report(peer, scheduler.lease(peer, 1).map((l) => ({ leaseId: l.id, status: 'ok' as const, output: primes.encodeOutput({ count: peer.charCodeAt(0) }) })))
    }
    expect(scheduler.lease('D', 1)).toEqual([])
    const job = store.getJob(jobId)
    expect(job?.state).toBe('failed')
    expect(job?.error).toMatch(/1 of 1 units found no accepted result within 3 results/)
  })

  it('carries on after a restart on the same database, accepting no unit twice', () => {
    const { jobId } = scheduler.addJob(spec(), 'client')
    const a = scheduler.lease('A', 4)
    const b = scheduler.lease('B', 4)
    complete('A', a)
    complete('B', b.slice(0, 2))
    store.close()
    db.store = store = new Store(db.dir)
    scheduler = new Scheduler(store, () => now)
    scheduler.load()
    expect(store.getJob(jobId)?.units_accepted).toBe(2)
    // B's unreported leases survive the restart and still count
    complete('B', b.slice(2))
    const job = store.getJob(jobId)
    expect(job?.state).toBe('completed')
    expect(JSON.parse(job!.result_json!)).toEqual({ count: 1229 })
    expect(store.unitEventCounts(jobId, 'accepted').every((e) => e.n === 1)).toBe(true)
  })

  it('cancels a job: no more leases, results refused', () => {
    const { jobId } = scheduler.addJob(spec(), 'client')
    const a = scheduler.lease('A', 1)
    expect(scheduler.cancel(jobId)).toBe(true)
    expect(scheduler.lease('B', 4)).toEqual([])
    expect(complete('A', a)).toEqual(['LEASE_EXPIRED'])
    expect(store.getJob(jobId)?.state).toBe('cancelled')
    expect(scheduler.cancel(jobId)).toBe(false)
  })
})
