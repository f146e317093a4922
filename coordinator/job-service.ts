/**
 * The client-facing protocol `/peergrid/jobs/1.0.0`: submit, status, result, cancel. One
 * request and one reply per stream; a bad request gets an error status, never a crash.
 */
import { logger } from '@libp2p/logger'
import { checkJobSpec } from '../jobs/spec.ts'
import { errorReply, okReply } from '../protocols/common.ts'
import { decodeJobRequest, encodeJobResponse, type JobRequest, type JobResponse } from '../protocols/jobs.ts'
import { ProtocolError } from '../protocols/errors.ts'
import type { FramedStream } from '../protocols/stream.ts'
import { MAX_JOBS_LISTED, MAX_RUNNING_JOBS_PER_SUBMITTER } from './constants.ts'
import { jobStatuses, listedJobs, listNote } from './job-status.ts'
import type { Scheduler } from './scheduler.ts'
import type { Store } from './store.ts'

const log = logger('peergrid:coordinator:jobs')

export class JobService {
  readonly #store: Store
  readonly #scheduler: Scheduler

  constructor (store: Store, scheduler: Scheduler) {
    this.#store = store
    this.#scheduler = scheduler
  }

  handle (request: JobRequest, peer: string): JobResponse {
    switch (request.type) {
      case 'submitJob': return this.#submit(request.specJson, peer)
      case 'getStatus': {
        if (request.jobId === '') {
          const { jobs, total } = listedJobs(this.#store, MAX_JOBS_LISTED)
          return okReply({ type: 'statusReply', jobs, totalJobs: total }, listNote(jobs.length, total))
        }
        const jobs = jobStatuses(this.#store, request.jobId, request.units)
        return jobs == null ? errorReply('UNKNOWN_JOB', `no job ${request.jobId} on this coordinator`) : okReply({ type: 'statusReply', jobs })
      }
      case 'getResult': return this.#result(request.jobId)
      case 'cancelJob': return this.#cancel(request.jobId)
    }
  }

  #submit (specJson: string, peer: string): JobResponse {
    let data: unknown
    try {
      data = JSON.parse(specJson)
    } catch (err) {
      return errorReply('INVALID_SPEC', `(job): not valid JSON: ${(err as Error).message}`)
    }
    const checked = checkJobSpec(data)
    if (!checked.ok) return errorReply('INVALID_SPEC', checked.errors.join('\n'))
    if (this.#store.countJobsOf(peer, 'running') >= MAX_RUNNING_JOBS_PER_SUBMITTER) {
      return errorReply('BUSY', `you already have ${MAX_RUNNING_JOBS_PER_SUBMITTER} running jobs here; wait for some to finish or cancel them`)
    }
    const { jobId, units } = this.#scheduler.addJob(checked.spec, peer)
    return okReply({ type: 'submitted', jobId, units })
  }

  #result (jobId: string): JobResponse {
    const job = this.#store.getJob(jobId)
    if (job == null) return errorReply('UNKNOWN_JOB', `no job ${jobId} on this coordinator`)
    if (job.state !== 'completed') {
      return errorReply('NOT_READY', job.state === 'running'
        ? `job ${jobId} is still running (${job.units_accepted}/${job.units_total} units accepted)`
        : `job ${jobId} is ${job.state}${job.error != null ? `: ${job.error}` : ''}; it has no result`)
    }
    return okReply({
      type: 'resultReply',
      valueJson: job.result_json ?? 'null',
      fileName: job.result_file_name ?? '',
      mediaType: job.result_media_type ?? '',
      file: job.result_file_name != null ? this.#store.resultFile(jobId) ?? new Uint8Array() : new Uint8Array()
    })
  }

  #cancel (jobId: string): JobResponse {
    const job = this.#store.getJob(jobId)
    if (job == null) return errorReply('UNKNOWN_JOB', `no job ${jobId} on this coordinator`)
    if (!this.#scheduler.cancel(jobId)) return okReply({ type: 'cancelled' }, `job ${jobId} had already ended (${job.state}); nothing to cancel`)
    return okReply({ type: 'cancelled' }, `job ${jobId} cancelled`)
  }

  /** Serves one inbound stream: read a request, answer it, done. */
  async serve (frames: FramedStream, peer: string): Promise<void> {
    let response: JobResponse
    try {
      const frame = await frames.read()
      if (frame === undefined) return
      response = this.handle(decodeJobRequest(frame), peer)
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        log.error('request from %s failed: %e', peer, err)
        response = errorReply('INTERNAL', 'the coordinator failed on this request; try again')
      } else {
        log('bad request from %s: %s', peer, err.message)
        response = errorReply(err.status, err.message)
      }
    }
    await frames.write(encodeReply(response, peer))
  }
}

/**
 * A reply that breaks the wire's limits is our bug, not the client's: it gets an error
 * reply it can read, rather than a stream reset by the throw.
 */
function encodeReply (response: JobResponse, peer: string): Uint8Array {
  try {
    return encodeJobResponse(response)
  } catch (err) {
    log.error('the reply to %s does not encode: %e', peer, err)
    return encodeJobResponse(errorReply('INTERNAL', 'the coordinator could not encode its reply; ask for less (one job by its id)'))
  }
}
