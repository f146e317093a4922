import { beforeEach, describe, expect, it } from '@jest/globals'
import { REFERENCE_RATES } from '../../jobs/credit.ts'
import { getKind } from '../../jobs/registry.ts'
import { Scheduler, type IssuedLease } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'
import { scratchStore } from '../helpers/scratch-store.ts'

const primes = getKind('primes')
const honest = (lease: IssuedLease): Uint8Array => primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(lease.payload))))
const lie = (): Uint8Array => primes.encodeOutput({ count: 7 })
/** Units of 100,000 numbers in all: each worth its share over the reference sieve rate. */
const spec = (extra: Record<string, unknown> = {}) => ({ kind: 'primes', params: { from: 0, to: 100_000 }, units: 4, ...extra })
const JOB_CREDIT = 100_000 / REFERENCE_RATES.primesNumbers
const UNIT_CREDIT = JOB_CREDIT / 4

describe('Scheduler credit', () => {
  const db = scratchStore('credit')
  let store: Store
  let scheduler: Scheduler

  beforeEach(() => {
    store = db.store
    let now = 1_000_000
    scheduler = new Scheduler(store, () => now++)
  })

  const complete = (peer: string, leases: IssuedLease[], output = honest, cpuMs = 10) =>
    scheduler.report(peer, leases.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l), cpuMs })))

  it('grants every agreeing peer the work of the unit, whatever CPU time it claims', () => {
    const { jobId } = scheduler.addJob(spec(), 'client')
    complete('fast', scheduler.lease('fast', 10), honest, 1)
    expect(scheduler.creditOf('fast')).toBe(0) // nothing accepted yet
    complete('slow', scheduler.lease('slow', 10), honest, 3_600_000)
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(scheduler.creditOf('fast')).toBeCloseTo(4 * UNIT_CREDIT, 12)
    expect(scheduler.creditOf('slow')).toBeCloseTo(4 * UNIT_CREDIT, 12)
    expect(store.getUnit(jobId, 0)?.credit).toBeCloseTo(UNIT_CREDIT, 12)
  })

  it('grants nothing for a wrong answer, a failed run, or a unit that never settles', () => {
    scheduler.addJob(spec({ units: 1 }), 'client')
    complete('A', scheduler.lease('A', 1))
    complete('L', scheduler.lease('L', 1), lie)
    const failing = scheduler.lease('E', 1)
    scheduler.report('E', failing.map((l) => ({ leaseId: l.id, status: 'error' as const })))
    expect(scheduler.creditOf('A')).toBe(0)
    complete('C', scheduler.lease('C', 1))
    expect(scheduler.creditOf('A')).toBeCloseTo(JOB_CREDIT, 12)
    expect(scheduler.creditOf('C')).toBeCloseTo(JOB_CREDIT, 12)
    expect(scheduler.creditOf('L')).toBe(0)
    expect(scheduler.creditOf('E')).toBe(0)
    expect(scheduler.creditOf('never-seen')).toBe(0)

    const { jobId } = scheduler.addJob(spec({ units: 1, maxResults: 2 }), 'client')
    complete('X', scheduler.lease('X', 1, [jobId]), lie)
    complete('Y', scheduler.lease('Y', 1, [jobId]))
    expect(store.getJob(jobId)?.state).toBe('failed')
    expect(scheduler.creditOf('X')).toBe(0)
    expect(scheduler.creditOf('Y')).toBe(0)
  })

  it('takes credit back when a ban re-opens the units it backed, and grants it to the new verdict', () => {
    const { jobId } = scheduler.addJob(spec({ units: 2 }), 'client')
    // Two colluders agree on a wrong answer and win the quorum.
    complete('L1', scheduler.lease('L1', 2), lie)
    complete('L2', scheduler.lease('L2', 2), lie)
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(scheduler.creditOf('L2')).toBeCloseTo(JOB_CREDIT, 12)
    scheduler.setBanned('L1', true)
    expect(store.getJob(jobId)?.state).toBe('running')
    expect(scheduler.creditOf('L1')).toBe(0)
    expect(scheduler.creditOf('L2')).toBe(0)
    complete('A', scheduler.lease('A', 2))
    complete('B', scheduler.lease('B', 2))
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(JSON.parse(store.getJob(jobId)!.result_json!)).toEqual({ count: 9592 })
    expect(scheduler.creditOf('A')).toBeCloseTo(JOB_CREDIT, 12)
    expect(scheduler.creditOf('L2')).toBe(0)
    expect(store.listPeers().find((p) => p.id === 'B')?.credit).toBeCloseTo(JOB_CREDIT, 12)
  })

  it('pays a passed spot-check what the unit is worth, and a failed one nothing', () => {
    const { jobId } = scheduler.addJob(spec({ validation: 'credibility' }), 'client')
    const right = primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(store.getUnit(jobId, 0)!.payload_json))))
    expect(scheduler.addTrustedResult(jobId, 0, right)).toBe(true)
    // A young peer is proven on known answers first: its first lease is the check.
    const [check] = scheduler.lease('young', 1)
    expect(check?.unitIndex).toBe(0)
    complete('young', [check!])
    expect(store.getPeer('young')?.spot_passed).toBe(1)
    expect(scheduler.creditOf('young')).toBeCloseTo(UNIT_CREDIT, 12)
    const [other] = scheduler.lease('cheat', 1)
    complete('cheat', [other!], lie)
    expect(store.getPeer('cheat')?.spot_failed).toBe(1)
    expect(scheduler.creditOf('cheat')).toBe(0)
  })

  it('keeps credit across a restart (it lives in the store)', () => {
    scheduler.addJob(spec(), 'client')
    complete('A', scheduler.lease('A', 10))
    complete('B', scheduler.lease('B', 10))
    store.close()
    db.store = store = new Store(db.dir)
    const again = new Scheduler(store)
    again.load()
    expect(again.creditOf('A')).toBeCloseTo(4 * UNIT_CREDIT, 12)
  })
})
