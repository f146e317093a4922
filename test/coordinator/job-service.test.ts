/**
 * The status list of a coordinator with a long history: bounded to the newest jobs with a
 * note saying how many there are, so that the reply never outgrows the wire's limits; and
 * the indexes that keep reading jobs from growing with that history.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { MAX_FRAME_BYTES, MAX_JOBS_PER_STATUS } from '../../protocols/constants.ts'
import { encodeFrame } from '../../protocols/frame.ts'
import { decodeJobResponse, encodeJobRequest, type JobResponse } from '../../protocols/jobs.ts'
import { converse } from '../../bench/fuzz-stream.ts'
import { MAX_JOBS_LISTED } from '../../coordinator/constants.ts'
import { JobService } from '../../coordinator/job-service.ts'
import { listNote } from '../../coordinator/job-status.ts'
import { Scheduler } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'

const jobStream = { maxFrameSize: MAX_FRAME_BYTES.jobRequest, maxWriteFrameSize: MAX_FRAME_BYTES.jobResponse, maxReplyFrameSize: MAX_FRAME_BYTES.jobResponse }
const listAll = encodeFrame(encodeJobRequest({ type: 'getStatus', jobId: '', units: false }))

describe('JobService status list', () => {
  let dir: string
  let store: Store
  let service: JobService

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peergrid-jobsvc-'))
    store = new Store(dir)
    service = new JobService(store, new Scheduler(store))
  })
  afterEach(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Finished jobs straight into the store: `n` of them, job i created at time i. */
  const fill = (n: number): void => {
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const id = `j${String(i).padStart(6, '0')}`
        store.insertJob({ id, name: id, kind: 'primes', spec_json: '{}', state: 'running', units_total: 1, submitter: 'client', created_ms: i }, ['{}'])
        store.finishJob(id, 'completed', i + 1, { resultJson: '{"count":1}' })
      }
    })
  }

  it('lists every job, oldest first and without a note, while there are few', async () => {
    fill(3)
    const { replies } = await converse(async (frames) => { await service.serve(frames, 'client') }, [listAll], jobStream)
    const reply = decodeJobResponse(replies[0]!)
    expect(reply.status === 'OK' && reply.body.type === 'statusReply' ? reply.body.jobs.map((j) => j.id) : reply).toEqual(['j000000', 'j000001', 'j000002'])
    expect(reply.status === 'OK' && reply.body.type === 'statusReply' ? reply.body.totalJobs : reply).toBe(3)
    expect(reply.message).toBe('')
  })

  it('answers past the wire\'s job limit with the newest jobs and how many there are', async () => {
    const total = MAX_JOBS_PER_STATUS + 5
    fill(total)
    const { replies } = await converse(async (frames) => { await service.serve(frames, 'client') }, [listAll], jobStream)
    expect(replies).toHaveLength(1)
    const reply = decodeJobResponse(replies[0]!)
    if (reply.status !== 'OK' || reply.body.type !== 'statusReply') throw new Error(`expected a status reply, got ${reply.status}: ${reply.message}`)
    const ids = reply.body.jobs.map((j) => j.id)
    expect(ids).toHaveLength(MAX_JOBS_LISTED)
    expect(ids[0]).toBe(`j${String(total - MAX_JOBS_LISTED).padStart(6, '0')}`)
    expect(ids.at(-1)).toBe(`j${String(total - 1).padStart(6, '0')}`)
    expect(reply.body.totalJobs).toBe(total)
    expect(reply.message).toBe(listNote(MAX_JOBS_LISTED, total))
    expect(reply.message).toContain(`of ${total} jobs`)
  }, 30_000)

  it('still lists a job submitted after the list filled up', () => {
    fill(MAX_JOBS_LISTED + 1)
    const submitted = service.handle({ type: 'submitJob', specJson: JSON.stringify({ kind: 'primes', params: { from: 0, to: 1000 }, units: 2 }) }, 'client')
    if (submitted.status !== 'OK' || submitted.body.type !== 'submitted') throw new Error(`submit got ${submitted.status}: ${submitted.message}`)
    const reply = service.handle({ type: 'getStatus', jobId: '', units: false }, 'client')
    const ids = reply.status === 'OK' && reply.body.type === 'statusReply' ? reply.body.jobs.map((j) => j.id) : []
    expect(ids).toHaveLength(MAX_JOBS_LISTED)
    expect(ids.at(-1)).toBe(submitted.body.jobId)
  })

  it('answers INTERNAL, not a reset stream, when a reply would break the wire\'s limits', async () => {
    class Oversized extends JobService {
      override handle (): JobResponse {
        const job = { id: 'j', kind: 'primes', state: 'completed', unitsTotal: 1, unitsAccepted: 1, unitsFailed: 0, resultsReceived: 2, createdMs: 0, units: [] }
        return { status: 'OK', message: '', body: { type: 'statusReply', jobs: Array.from({ length: MAX_JOBS_PER_STATUS + 1 }, () => job) } }
      }
    }
    const oversized = new Oversized(store, new Scheduler(store))
    const { replies } = await converse(async (frames) => { await oversized.serve(frames, 'client') }, [listAll], jobStream)
    expect(replies.map((r) => decodeJobResponse(r).status)).toEqual(['INTERNAL'])
  })
})

describe('Store jobs indexes', () => {
  it('are added to a data directory made before they existed, and used where jobs pile up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peergrid-jobsidx-'))
    try {
      new Store(dir).close()
      const db = new DatabaseSync(join(dir, 'coordinator.db'))
      db.exec('DROP INDEX jobs_created; DROP INDEX jobs_state')
      db.close()
      const store = new Store(dir)
      store.close()
      const probe = new DatabaseSync(join(dir, 'coordinator.db'), { readOnly: true })
      const plan = (sql: string): string => (probe.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join('\n')
      try {
        expect(plan('SELECT id FROM jobs ORDER BY created_ms DESC, id DESC LIMIT 10')).toMatch(/USING (COVERING )?INDEX jobs_created/)
        expect(plan("SELECT id FROM jobs WHERE state = 'running'")).toMatch(/USING (COVERING )?INDEX jobs_state/)
        expect(plan('SELECT state, COUNT(*), SUM(units_accepted), SUM(units_failed), SUM(MAX(0, units_total - units_accepted - units_failed)) FROM jobs GROUP BY state')).toMatch(/USING COVERING INDEX jobs_state/)
      } finally {
        probe.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
