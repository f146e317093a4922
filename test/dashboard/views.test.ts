import { describe, expect, it } from '@jest/globals'
import type { JobRow, PeerRow } from '../../coordinator/store.ts'
import { countBy, jobSummary, peerDetail, RECENT_VERDICTS, stats, unitCounts } from '../../dashboard/views.ts'

const job = (over: Partial<JobRow>): JobRow => ({
  id: 'j', name: 'n', kind: 'primes', spec_json: '{}', state: 'running', units_total: 10, units_accepted: 0, units_failed: 0, results_received: 0,
  submitter: 's', created_ms: 0, finished_ms: null, error: null, result_json: null, result_file_name: null, result_media_type: null, ...over
})

const peer = (id: string, state: PeerRow['state']): PeerRow => ({
  id, first_seen_ms: 0, last_seen_ms: 0, address: null, valid: 0, invalid: 0, errors: 0, timeouts: 0, spot_passed: 0, spot_failed: 0, score: 0.5, state, credit: 0
})

describe('unitCounts', () => {
  it.each([
    { jobs: [], expected: { accepted: 0, failed: 0, cancelled: 0, open: 0 } },
    { jobs: [job({ units_accepted: 3, units_failed: 1 })], expected: { accepted: 3, failed: 1, cancelled: 0, open: 6 } },
    { jobs: [job({ state: 'completed', units_accepted: 10 })], expected: { accepted: 10, failed: 0, cancelled: 0, open: 0 } },
    { jobs: [job({ state: 'cancelled', units_accepted: 4 })], expected: { accepted: 4, failed: 0, cancelled: 6, open: 0 } },
    { jobs: [job({ state: 'failed', units_accepted: 8, units_failed: 2 })], expected: { accepted: 8, failed: 2, cancelled: 0, open: 0 } },
    {
      jobs: [job({ units_accepted: 1 }), job({ state: 'cancelled', units_total: 5 }), job({ state: 'completed', units_total: 2, units_accepted: 2 })],
      expected: { accepted: 3, failed: 0, cancelled: 5, open: 9 }
    }
  ])('$expected', ({ jobs, expected }) => {
    expect(unitCounts(jobs)).toEqual(expected)
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
      jobs: [job({ state: 'completed' }), job({})],
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
