/** The scheduler's trust machinery on a real SQLite store: credibility, spot-checks, bans, backtracking. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getKind } from '../../jobs/registry.ts'
import { NEW_REPUTATION } from '../../coordinator/reputation.ts'
import { Scheduler, type IssuedLease } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'

const primes = getKind('primes')
const truth = (lease: IssuedLease): Uint8Array => primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(lease.payload))))
/** A plausible wrong answer: one more prime than there is. */
const lie = (lease: IssuedLease): Uint8Array => primes.encodeOutput({ count: primes.run(primes.parseUnit(JSON.parse(lease.payload))).count + 1 })
const credibility = (units: number, extra: object = {}) => ({ kind: 'primes', params: { from: 0, to: units * 100 }, units, validation: 'credibility' as const, ...extra })

describe('Scheduler trust', () => {
  let dir: string
  let store: Store
  let scheduler: Scheduler
  let dice: number[]
  const veteran = (peer: string, valid = 50_000): void => { store.savePeer(peer, { ...NEW_REPUTATION, valid, score: 0.99, state: 'trusted' }, 'imported', 0) }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peergrid-trust-'))
    store = new Store(dir)
    dice = []
    // Scripted randomness: tests decide which leases become spot-checks.
    scheduler = new Scheduler(store, () => 1_000_000, () => dice.shift() ?? 0.99)
  })
  afterEach(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const answer = (peer: string, leases: IssuedLease[], output = truth) =>
    scheduler.report(peer, leases.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l) })))

  it('accepts a single result from a veteran whose credibility reaches 1 − ε', () => {
    veteran('V')
    const { jobId } = scheduler.addJob(credibility(3), 'client')
    answer('V', scheduler.lease('V', 3))
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(store.getJob(jobId)?.results_received).toBe(3)
  })

  it('never accepts newcomers alone, and never sends a unit to two young peers', () => {
    const { jobId } = scheduler.addJob(credibility(1), 'client')
    answer('N1', scheduler.lease('N1', 1))
    expect(scheduler.lease('N2', 1)).toEqual([])
    veteran('V', 1000) // alone it would not do (credibility 0.99984), with the newcomer it does
    answer('V', scheduler.lease('V', 1))
    expect(store.getJob(jobId)?.state).toBe('completed')
  })

  it('proves newcomers on known answers; failed spot-checks ban and backtrack what the liar backed', () => {
    veteran('V1', 1000)
    veteran('V2')
    const { jobId } = scheduler.addJob(credibility(4), 'client')
    scheduler.addTrustedResult(jobId, 0, primes.encodeOutput(primes.run({ from: 0, to: 100 })))
    // Young, L gets nothing but spot-checks (the known unit 0), looking exactly like work.
    for (let i = 0; i < 3; i++) {
      dice.push(0)
      const [check] = scheduler.lease('L', 1)
      expect([check?.jobId, check?.unitIndex]).toEqual([jobId, 0])
      answer('L', [check!])
    }
    expect(scheduler.peers.reputation('L')).toMatchObject({ spotPassed: 3, state: 'probation' })
    // Proven, L works: it lies on one unit and backs another honestly, with V1.
    const [l1, l2] = scheduler.lease('L', 2)
    answer('L', [l1!], lie)
    answer('L', [l2!])
    answer('V1', scheduler.lease('V1', 2))
    expect(store.getUnit(jobId, l2!.unitIndex)?.state).toBe('accepted')
    // Two failed spot-checks ban a peer that is no longer young.
    for (let i = 0; i < 2; i++) {
      dice.push(0, 0) // this lease is a spot-check; pick the first known answer
      const [check] = scheduler.lease('L', 1)
      expect(check?.unitIndex).toBe(0)
      answer('L', [check!], lie)
    }
    expect(scheduler.peers.reputation('L')).toMatchObject({ spotFailed: 2, state: 'banned' })
    expect(scheduler.lease('L', 4)).toEqual([])
    // Backtracking: the unit accepted on L's and V1's results is open again without L.
    expect(store.unitEventCounts(jobId, 'reopened')).toEqual([{ idx: l2!.unitIndex, n: 1 }])
    expect(store.getUnit(jobId, l2!.unitIndex)?.state).toBe('waiting')
    while (store.getJob(jobId)?.state === 'running') {
      const leases = scheduler.lease('V2', 4)
      if (leases.length === 0) break
      answer('V2', leases)
    }
    const job = store.getJob(jobId)!
    expect(job.state).toBe('completed')
    expect(JSON.parse(job.result_json!)).toEqual({ count: primes.run({ from: 0, to: 400 }).count })
    expect(store.peerHistory('L').map((h) => h.event)).toContain('spot-fail')
  })

  it('bans by operator decision and unbans', () => {
    scheduler.addJob(credibility(2), 'client')
    scheduler.setBanned('X', true)
    expect(scheduler.lease('X', 2)).toEqual([])
    scheduler.setBanned('X', false)
    expect(scheduler.lease('X', 2)).toHaveLength(2)
    expect(store.peerHistory('X').map((h) => [h.event, h.state])).toEqual([['ban', 'banned'], ['unban', 'probation']])
  })

  it('marks peers that agreed on a wrong answer as colluding: their votes merge from then on', () => {
    veteran('A', 30)
    veteran('B', 30)
    veteran('C', 30)
    veteran('D', 30)
    const { jobId } = scheduler.addJob(credibility(1), 'client')
    answer('C', scheduler.lease('C', 1))
    answer('A', scheduler.lease('A', 1), lie)
    answer('B', scheduler.lease('B', 1), lie)
    answer('D', scheduler.lease('D', 1))
    for (const p of ['E', 'F', 'G']) { veteran(p, 30); if (store.getJob(jobId)?.state === 'running') answer(p, scheduler.lease(p, 1)) }
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(scheduler.peers.colluded('A', 'B')).toBe(true)
    expect(scheduler.peers.colluded('C', 'D')).toBe(false)
  })

  it('accepts a result the kind can verify cheaply (a found nonce) without a vote, even from a newcomer', () => {
    const hash = getKind('hash-search')
    const { jobId } = scheduler.addJob({ kind: 'hash-search', params: { data: 'peergrid', difficultyBits: 8, nonces: 4096 }, units: 1, validation: 'credibility' }, 'client')
    const [lease] = scheduler.lease('N', 1)
    const output = hash.encodeOutput(hash.run(hash.parseUnit(JSON.parse(lease!.payload))))
    scheduler.report('N', [{ leaseId: lease!.id, status: 'ok', output }])
    expect(store.getJob(jobId)?.state).toBe('completed')
    expect(store.getJob(jobId)?.results_received).toBe(1)
  })

  it('still asks for the quorum under quorum validation, even for a result the kind can verify', () => {
    const hash = getKind('hash-search')
    const { jobId } = scheduler.addJob({ kind: 'hash-search', params: { data: 'peergrid', difficultyBits: 8, nonces: 4096 }, units: 1, quorum: 2 }, 'client')
    const answer = (peer: string): void => {
      const [lease] = scheduler.lease(peer, 1)
      scheduler.report(peer, [{ leaseId: lease!.id, status: 'ok', output: hash.encodeOutput(hash.run(hash.parseUnit(JSON.parse(lease!.payload)))) }])
    }
    answer('N')
    expect(store.getJob(jobId)?.state).toBe('running')
    answer('M')
    expect(store.getJob(jobId)?.state).toBe('completed')
  })
})
