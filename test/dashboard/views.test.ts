import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { Store, type JobRow, type JobTotals, type PeerRow } from '../../coordinator/store.ts'
import { countBy, jobCounts, jobSummary, peerDetail, RECENT_VERDICTS, stats, unitCounts } from '../../dashboard/views.ts'

const job = (over: Partial<JobRow>): JobRow => ({
  id: 'j', name: 'n', kind: 'primes', spec_json: '{}', state: 'running', units_total: 10, units_accepted: 0, units_failed: 0, results_received: 0,
  submitter: 's', created_ms: 0, finished_ms: null, error: null, result_json: null, result_file_name: null, result_media_type: null, ...over
})

const peer = (id: string, state: PeerRow['state']): PeerRow => ({
  id, first_seen_ms: 0, last_seen_ms: 0, address: null, valid: 0, invalid: 0, errors: 0, timeouts: 0, spot_passed: 0, spot_failed: 0, score: 0.5, state, credit: 0
})

const totals = (state: JobTotals['state'], over: Partial<JobTotals> = {}): JobTotals => ({ state, jobs: 1, units_accepted: 0, units_failed: 0, units_undecided: 0, ...over })

describe('unitCounts', () => {
  it.each([
    { totals: [], expected: { accepted: 0, failed: 0, cancelled: 0, open: 0 } },
    { totals: [totals('running', { units_accepted: 3, units_failed: 1, units_undecided: 6 })], expected: { accepted: 3, failed: 1, cancelled: 0, open: 6 } },
    { totals: [totals('completed', { units_accepted: 10 })], expected: { accepted: 10, failed: 0, cancelled: 0, open: 0 } },
    { totals: [totals('cancelled', { units_accepted: 4, units_undecided: 6 })], expected: { accepted: 4, failed: 0, cancelled: 6, open: 0 } },
    { totals: [totals('failed', { units_accepted: 8, units_failed: 2 })], expected: { accepted: 8, failed: 2, cancelled: 0, open: 0 } }
  ])('$expected', ({ totals, expected }) => {
    expect(unitCounts(totals)).toEqual(expected)
  })
})

describe('Store.jobTotals', () => {
  it('sums jobs and units per state, undecided units never below zero', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peergrid-totals-'))
    const store = new Store(dir)
    try {
      const add = (id: string, units: number): void => { store.insertJob({ id, name: id, kind: 'primes', spec_json: '{}', state: 'running', units_total: units, submitter: 's', created_ms: 0 }, []) }
      add('a', 10); store.bumpJob('a', 'units_accepted', 1)
      add('b', 5)
      add('c', 5); store.finishJob('c', 'cancelled', 1)
      add('d', 2); store.bumpJob('d', 'units_accepted', 2); store.finishJob('d', 'completed', 1)
      add('e', 1); store.bumpJob('e', 'units_accepted', 2); store.bumpJob('e', 'units_failed', 1); store.finishJob('e', 'failed', 1)
      const byState = Object.fromEntries(store.jobTotals().map((t) => [t.state, t]))
      expect(byState.running).toEqual({ state: 'running', jobs: 2, units_accepted: 1, units_failed: 0, units_undecided: 14 })
      expect(byState.cancelled).toMatchObject({ jobs: 1, units_undecided: 5 })
      expect(byState.failed).toMatchObject({ jobs: 1, units_accepted: 2, units_failed: 1, units_undecided: 0 })
      expect(unitCounts(store.jobTotals())).toEqual({ accepted: 5, failed: 1, cancelled: 5, open: 14 })
      expect(jobCounts(store.jobTotals())).toEqual({ running: 2, completed: 1, failed: 1, cancelled: 1 })
    } finally {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('countBy', () => {
  it('counts every key, absent ones as zero, and ignores values outside the keys', () => {
    expect(countBy(['a', 'b', 'c'], ['a', 'c', 'a', 'z' as 'a'])).toEqual({ a: 2, b: 0, c: 1 })
  })
})

describe('stats', () => {
  it('counts connected peers once each, known or not', () => {
    const s = stats({
      atMs: 5,
      peers: [peer('A', 'trusted'), peer('B', 'banned'), peer('C', 'probation')],
      jobs: [totals('completed'), totals('running')],
      connectedPeers: new Set(['A', 'X']),
      leasesActive: 2,
      connections: 3,
      acceptedTotal: 9,
      acceptedPerSecond: 1
    })
    expect(s.peers).toEqual({ known: 3, connected: 2, byState: { probation: 1, trusted: 1, banned: 1 } })
    expect(s.jobs).toEqual({ running: 1, completed: 1, failed: 0, cancelled: 0 })
  })
})

describe('jobSummary', () => {
  it('reports progress, the parsed result and where its file is served', () => {
    const s = jobSummary(job({ id: 'j/1', state: 'completed', units_accepted: 10, result_json: '{"width":8}', result_file_name: 'm.png', result_media_type: 'image/png' }))
    expect(s.progress).toBe(1)
    expect(s.result).toEqual({ width: 8 })
    expect(s.resultFile).toEqual({ name: 'm.png', mediaType: 'image/png', url: '/api/jobs/j%2F1/result' })
    expect(jobSummary(job({ units_total: 0 })).progress).toBe(0)
    expect(jobSummary(job({})).resultFile).toBeNull()
  })
})

describe('peerDetail', () => {
  it('keeps the history oldest first and the latest verdicts newest first', () => {
    const history = Array.from({ length: 40 }, (_, i) => ({ at_ms: i, event: i % 2 === 0 ? 'valid' : 'invalid', score: i / 40, state: 'probation' as const }))
    const d = peerDetail(peer('A', 'probation'), history, true)
    expect(d.history.map((h) => h.atMs)).toEqual(history.map((h) => h.at_ms))
    expect(d.verdicts.map((v) => v.atMs)).toEqual(Array.from({ length: RECENT_VERDICTS }, (_, i) => 39 - i))
    expect(d.online).toBe(true)
    expect(d.address).toBe('')
  })
})
