import { describe, expect, it } from '@jest/globals'
import { JobSlot } from '../../coordinator/job-slot.ts'
import { evaluateQuorum } from '../../coordinator/quorum.ts'
import { WorkLeases } from '../../coordinator/work-leases.ts'
import { getKind } from '../../jobs/registry.ts'
import { withDefaults } from '../../jobs/spec.ts'
import { scratchStore } from '../helpers/scratch-store.ts'

describe('WorkLeases', () => {
  const db = scratchStore('leases')
  const NOW = 1_000_000

  /** A stored two-unit job and its slot, with 1 s unit timeouts. */
  const twoUnitJob = (): JobSlot => {
    const spec = withDefaults({ kind: 'primes', params: { from: 0, to: 100 }, units: 2, unitTimeoutMs: 1000 })
    const payloads = getKind('primes').split(spec.params, 2).map((u) => JSON.stringify(u))
    db.store.insertJob({ id: 'j1', name: 'j1', kind: 'primes', spec_json: JSON.stringify(spec), state: 'running', units_total: 2, submitter: 'c', created_ms: NOW }, payloads)
    return new JobSlot('j1', getKind('primes'), spec, payloads, (results, outstanding) => evaluateQuorum(results, outstanding, { quorum: 2, maxResults: 4 }))
  }

  it('stores an issued lease and keeps the unit\'s active and peer sets in step', () => {
    const job = twoUnitJob()
    const leases = new WorkLeases(db.store)
    const lease = leases.issue('L1', 'A', job, job.units[0]!, NOW)
    expect(lease.deadlineMs).toBe(NOW + 1000)
    expect(db.store.getLease('L1')).toMatchObject({ peer: 'A', idx: 0, state: 'active', deadline_ms: NOW + 1000, spot: 0 })
    expect([...job.units[0]!.active]).toEqual(['L1'])
    expect([...job.units[0]!.peers]).toEqual(['A'])
    leases.take('L1')
    expect(db.store.getLease('L1')?.state).toBe('returned')
    expect(job.units[0]!.active.size).toBe(0)
    expect(job.units[0]!.peers.has('A')).toBe(true) // the peer has touched the unit: no second replica for it
    expect(leases.size).toBe(0)
  })

  it.each(['cancelled', 'expired', 'released'] as const)('ends a lease as %s once only', (end) => {
    const job = twoUnitJob()
    const leases = new WorkLeases(db.store)
    leases.issue('L1', 'A', job, job.units[1]!, NOW)
    expect(leases.drop('L1', end)).toBe(true)
    expect(leases.drop('L1', 'cancelled')).toBe(false)
    expect(db.store.getLease('L1')?.state).toBe(end)
    expect(job.units[1]!.active.size).toBe(0)
  })

  it('finds the leases past their deadline and cancels by a predicate', () => {
    const job = twoUnitJob()
    const leases = new WorkLeases(db.store)
    leases.issue('early', 'A', job, job.units[0]!, NOW)
    leases.issue('late', 'B', job, job.units[1]!, NOW + 500)
    expect(leases.due(NOW + 999).map((l) => l.id)).toEqual([])
    expect(leases.due(NOW + 1000).map((l) => l.id)).toEqual(['early'])
    expect(leases.cancelWhere((l) => l.peer === 'B').map((l) => l.id)).toEqual(['late'])
    expect(db.store.getLease('late')?.state).toBe('cancelled')
    expect([...leases.values()].map((l) => l.id)).toEqual(['early'])
  })

  it('restores an active lease from its row with its deadline', () => {
    const job = twoUnitJob()
    new WorkLeases(db.store).issue('L1', 'A', job, job.units[0]!, NOW)
    // As after a restart: a new slot for the same job.
    const fresh = new JobSlot('j1', job.kind, job.spec, job.units.map((u) => u.payload), () => ({ verdict: 'pending', more: 1 }))
    const restored = new WorkLeases(db.store)
    for (const row of db.store.activeLeases()) restored.restore(row, fresh, fresh.units[row.idx]!)
    expect(restored.get('L1')).toMatchObject({ peer: 'A', deadlineMs: NOW + 1000 })
    expect([...fresh.units[0]!.active]).toEqual(['L1'])
  })
})
