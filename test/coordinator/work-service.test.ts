import { beforeEach, describe, expect, it } from '@jest/globals'
import { getKind } from '../../jobs/registry.ts'
import { Scheduler } from '../../coordinator/scheduler.ts'
import type { Store } from '../../coordinator/store.ts'
import { scratchStore } from '../helpers/scratch-store.ts'
import { WorkService } from '../../coordinator/work-service.ts'
import { converse } from '../../bench/fuzz-stream.ts'
import { encodeFrame } from '../../protocols/frame.ts'
import { decodeWorkResponse, encodeWorkRequest, encodeWorkResponse, type Lease, type WorkResponse } from '../../protocols/work.ts'

const primes = getKind('primes')
const decoder = new TextDecoder()
const answer = (lease: Lease) => ({ leaseId: lease.leaseId, status: 'OK' as const, output: primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(decoder.decode(lease.payload))))), error: '', cpuMs: 5 })

describe('WorkService standing', () => {
  const db = scratchStore('work')
  let scheduler: Scheduler
  let service: WorkService

  beforeEach(() => {
    scheduler = new Scheduler(db.store)
    service = new WorkService(scheduler)
  })

  /** What the worker reads: every reply through the real codec. */
  const ask = (request: Parameters<WorkService['handle']>[0], peer: string): WorkResponse => decodeWorkResponse(encodeWorkResponse(service.handle(request, peer)))
  const leasesOf = (response: WorkResponse): Lease[] => response.status === 'OK' && response.body.type === 'leases' ? [...response.body.leases] : []

  it('tells a new peer it is on probation with no credit, even when there is no work', () => {
    expect(ask({ type: 'pull', maxUnits: 1, jobIds: [] }, 'A')).toMatchObject({ status: 'NO_WORK', standing: { credit: 0, score: 0.5, state: 'probation' } })
  })

  it('reports the credit granted as soon as the results it backs are accepted', () => {
    scheduler.addJob({ kind: 'primes', params: { from: 0, to: 3_000_000 }, units: 2 }, 'client')
    const a = leasesOf(ask({ type: 'pull', maxUnits: 2, jobIds: [] }, 'A'))
    const b = leasesOf(ask({ type: 'pull', maxUnits: 2, jobIds: [] }, 'B'))
    expect(ask({ type: 'report', results: a.map(answer) }, 'A').standing?.credit).toBe(0)
    const acked = ask({ type: 'report', results: b.map(answer) }, 'B')
    // 3,000,000 numbers sieved at 6e8 per reference second: 0.005 credit.
    expect(acked.standing).toEqual({ credit: 0.005, score: expect.any(Number), state: 'probation' })
    expect(acked.standing!.score).toBeGreaterThan(0.5)
    expect(ask({ type: 'release', leaseIds: [] }, 'A').standing?.credit).toBe(0.005)
  })

  it('tells a banned peer so, on the reply that refuses it', () => {
    scheduler.setBanned('L', true)
    expect(ask({ type: 'pull', maxUnits: 1, jobIds: [] }, 'L')).toMatchObject({ status: 'BANNED', standing: { score: 0, state: 'banned' } })
  })
})

describe('WorkService limits', () => {
  const db = scratchStore('work-limits')
  let store: Store
  let scheduler: Scheduler
  let now: number

  beforeEach(() => {
    store = db.store
    now = 1_000_000
    scheduler = new Scheduler(store, () => now)
  })

  const pull = { type: 'pull' as const, maxUnits: 1, jobIds: [] }

  it('answers a flood with BUSY, leases nothing to it, and charges the flooder once per flood', () => {
    const service = new WorkService(scheduler, { requestsPerSecond: 10, requestBurst: 20, now: () => now })
    scheduler.addJob({ kind: 'primes', params: { from: 0, to: 1_000_000 }, units: 100, quorum: 1 }, 'client')
    const replies = Array.from({ length: 50 }, () => service.handle(pull, 'F'))
    expect(replies.filter((r) => r.status === 'OK')).toHaveLength(20)
    const busy = replies.filter((r) => r.status === 'BUSY')
    expect(busy).toHaveLength(30)
    expect(busy[0]!.message).toBe('too many work requests: at most 10 per second (bursts of 20); retry in 100 ms')
    expect(service.throttled).toBe(30)
    expect(store.activeLeases().filter((l) => l.peer === 'F')).toHaveLength(20)
    // One flood, one charge: 0.5 × 0.8.
    expect(scheduler.peers.reputation('F').score).toBeCloseTo(0.4, 12)
    expect(store.peerHistory('F').filter((h) => h.event === 'flood')).toHaveLength(1)
    expect(busy.at(-1)!.standing).toMatchObject({ state: 'probation' })
    // An honest peer asking at its own pace is not affected.
    expect(service.handle(pull, 'H').status).toBe('OK')
    // After a calm spell the peer is served again; flooding again costs again.
    now += 2000
    expect(service.handle(pull, 'F').status).toBe('OK')
    for (let i = 0; i < 40; i++) service.handle(pull, 'F')
    expect(store.peerHistory('F').filter((h) => h.event === 'flood')).toHaveLength(2)
    expect(scheduler.peers.reputation('F').score).toBeLessThan(0.33)
  })

  it('refuses a stream beyond the per-peer limit with BUSY, and serves the others', async () => {
    const service = new WorkService(scheduler, { streamsPerPeer: 1 })
    const options = { maxFrameSize: 8 << 20, maxReplyFrameSize: 8 << 20 }
    // The first stream stays open until the test lets it go.
    let release = (): void => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    const first = service.serve({ read: async () => { await held; return undefined } } as never, 'P')
    const second = await converse(async (frames) => { await service.serve(frames, 'P') }, [encodeFrame(encodeWorkRequest(pull))], options)
    expect(second.replies.map((r) => decodeWorkResponse(r))).toEqual([{ status: 'BUSY', message: 'too many open work streams: at most 1 per peer; send every request on one stream' }])
    const other = await converse(async (frames) => { await service.serve(frames, 'Q') }, [encodeFrame(encodeWorkRequest(pull))], options)
    expect(decodeWorkResponse(other.replies[0]!).status).toBe('NO_WORK')
    release()
    await first
    const again = await converse(async (frames) => { await service.serve(frames, 'P') }, [encodeFrame(encodeWorkRequest(pull))], options)
    expect(decodeWorkResponse(again.replies[0]!).status).toBe('NO_WORK')
  })

  it.each<[string, object, string]>([
    ['a zero rate', { requestsPerSecond: 0 }, 'options.requestsPerSecond must be a positive number (got 0)'],
    ['a rate that is not a number', { requestsPerSecond: '100' }, 'options.requestsPerSecond must be a positive number (got 100)'],
    ['a negative burst', { requestBurst: -1 }, 'options.requestBurst must be a positive number (got -1)'],
    ['a burst under one request', { requestBurst: 0.5 }, 'options.requestBurst must be at least 1 (got 0.5)'],
    ['a fractional stream count', { streamsPerPeer: 1.5 }, 'options.streamsPerPeer must be a positive integer (got 1.5)']
  ])('refuses %s', (_name, init, message) => {
    expect(() => new WorkService(scheduler, init as never)).toThrow(new RangeError(message))
  })
})
