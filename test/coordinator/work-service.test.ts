import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { getKind } from '../../jobs/registry.ts'
import { Scheduler } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'
import { WorkService } from '../../coordinator/work-service.ts'
import { decodeWorkResponse, encodeWorkResponse, type Lease, type WorkResponse } from '../../protocols/work.ts'

const primes = getKind('primes')
const decoder = new TextDecoder()
const answer = (lease: Lease) => ({ leaseId: lease.leaseId, status: 'OK' as const, output: primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(decoder.decode(lease.payload))))), error: '', cpuMs: 5 })

describe('WorkService standing', () => {
  let dir: string
  let store: Store
  let scheduler: Scheduler
  let service: WorkService

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peergrid-work-'))
    store = new Store(dir)
    scheduler = new Scheduler(store)
    service = new WorkService(scheduler)
  })
  afterEach(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
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
