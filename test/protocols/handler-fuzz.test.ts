/**
 * The coordinator's protocol handlers (jobs, work, admin) under hostile input: a short run of
 * the fuzz targets behind `npm run fuzz` (which runs 100,000 cases each), on a real SQLite
 * store. Decoders alone are fuzzed in fuzz.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { MAX_FRAME_BYTES } from '../../protocols/constants.ts'
import { encodeFrame } from '../../protocols/frame.ts'
import { decodeJobResponse, encodeJobRequest } from '../../protocols/jobs.ts'
import { decodeWorkResponse, encodeWorkRequest } from '../../protocols/work.ts'
import { adminServiceTarget } from '../../bench/fuzz-admin-service.ts'
import { CoordinatorCore, validOutput } from '../../bench/fuzz-harness.ts'
import { jobServiceTarget } from '../../bench/fuzz-job-service.ts'
import { converse } from '../../bench/fuzz-stream.ts'
import type { FuzzTarget } from '../../bench/fuzz-target.ts'
import { workServiceTarget } from '../../bench/fuzz-work-service.ts'

/** Fixed so that every run explores the same cases; `npm run fuzz -- --seed N` explores others. */
const OPTIONS = { cases: 1500, seed: 20_240_607 }

const jobStream = { maxFrameSize: MAX_FRAME_BYTES.jobRequest, maxWriteFrameSize: MAX_FRAME_BYTES.jobResponse, maxReplyFrameSize: MAX_FRAME_BYTES.jobResponse }
const workStream = { maxFrameSize: MAX_FRAME_BYTES.workRequest, maxReplyFrameSize: MAX_FRAME_BYTES.workResponse }

describe('protocol handlers under fuzzing', () => {
  // Each run must reach past the decoder into every request type, or it proves little.
  it.each<[string, FuzzTarget, string[]]>([
    ['JobService.serve answers every stream within its contract and changes state only for valid submissions and cancels', jobServiceTarget,
      ['submit: accepted', 'submit: invalid spec', 'status: OK', 'status: UNKNOWN_JOB', 'result: OK', 'result: NOT_READY', 'cancel: cancelled', 'cancel: unknown', 'refused MALFORMED', 'bad framing: MALFORMED']],
    ['WorkService.serve answers every frame in order, and no peer touches another\'s leases or gets a unit accepted alone', workServiceTarget(),
      ['pull: OK', 'pull: NO_WORK', 'report: OK', 'release: OK', 'refused MALFORMED', 'refused FRAME_TOO_LARGE']],
    ['AdminService.serve answers every stream within its contract, and only a ban or unban with the token changes a peer', adminServiceTarget,
      ['list: OK', 'ban: OK, known peer', 'ban: OK, new peer', 'unban: OK, known peer', 'ban: UNAUTHORIZED', 'unban: UNAUTHORIZED', 'refused MALFORMED', 'bad framing: MALFORMED', 'bad framing: FRAME_TOO_LARGE', 'empty stream']]
  ])('%s', async (_name, target, outcomes) => {
    const report = await target.run(OPTIONS)
    expect(report.failure).toBeUndefined()
    expect(report.cases).toBe(OPTIONS.cases)
    for (const outcome of outcomes) expect(report.outcomes[outcome] ?? 0).toBeGreaterThan(0)
  }, 60_000)
})

describe('a request cut short', () => {
  it('is the client\'s fault on the jobs protocol: MALFORMED, and the store is untouched', async () => {
    const core = new CoordinatorCore(OPTIONS.seed)
    try {
      const version = core.dataVersion()
      const frame = encodeFrame(encodeJobRequest({ type: 'submitJob', specJson: '{"kind":"primes","params":{"from":0,"to":1000},"units":2}' }))
      const { replies } = await converse(async (frames) => { await core.jobs.serve(frames, 'client') }, [frame.subarray(0, frame.length - 3)], jobStream)
      expect(replies.map((r) => decodeJobResponse(r).status)).toEqual(['MALFORMED'])
      expect(core.dataVersion()).toBe(version)
      expect(core.count('SELECT COUNT(*) AS n FROM jobs')).toBe(0)
    } finally {
      core.close()
    }
  })

  it('is the worker\'s fault on the work protocol: the whole frames before it are answered, then MALFORMED', async () => {
    const core = new CoordinatorCore(OPTIONS.seed)
    try {
      const release = encodeFrame(encodeWorkRequest({ type: 'release', leaseIds: ['nobody.1'] }))
      const pull = encodeFrame(encodeWorkRequest({ type: 'pull', maxUnits: 4, jobIds: [] }))
      const { replies } = await converse(async (frames) => { await core.work.serve(frames, 'worker') }, [release, pull.subarray(0, 2)], workStream)
      expect(replies.map((r) => decodeWorkResponse(r).status)).toEqual(['OK', 'MALFORMED'])
    } finally {
      core.close()
    }
  })
})

describe('a banned peer', () => {
  // Found by `npm run fuzz`: a ban must also take back the peer's votes on units that need no
  // more replicas because the missing ones are all leased, or the next agreeing result
  // completes a quorum with the banned peer's vote.
  it('does not vote: its earlier result cannot complete a quorum', () => {
    const core = new CoordinatorCore(OPTIONS.seed)
    try {
      const { jobId } = core.scheduler.addJob({ kind: 'primes', params: { from: 0, to: 1000 }, units: 1, quorum: 2 }, 'client')
      const pull = (peer: string): { leaseId: string, payload: string } => {
        const reply = core.work.handle({ type: 'pull', maxUnits: 1, jobIds: [jobId] }, peer)
        if (reply.status !== 'OK' || reply.body.type !== 'leases') throw new Error(`${peer} got no lease: ${reply.status}`)
        const lease = reply.body.leases[0]!
        return { leaseId: lease.leaseId, payload: new TextDecoder().decode(lease.payload) }
      }
      const a = pull('peer-a')
      const b = pull('peer-b')
      const output = validOutput('primes', a.payload)
      core.work.handle({ type: 'report', results: [{ leaseId: a.leaseId, status: 'OK', output, error: '', cpuMs: 1 }] }, 'peer-a')
      core.scheduler.setBanned('peer-a', true)
      core.work.handle({ type: 'report', results: [{ leaseId: b.leaseId, status: 'OK', output, error: '', cpuMs: 1 }] }, 'peer-b')
      // One honest result is not a quorum of two.
      expect(core.jobState(jobId)).toBe('running')
      expect(core.count("SELECT COUNT(*) AS n FROM units WHERE job_id = ? AND state = 'accepted'", jobId)).toBe(0)
    } finally {
      core.close()
    }
  })
})
