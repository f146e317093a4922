/**
 * The worker-facing protocol `/peergrid/work/1.0.0`: one long-lived stream per worker that
 * carries pulls, reports and releases, each answered in order. A frame that does not
 * decode gets an error status and ends the stream; the coordinator carries on.
 */
import { logger } from '@libp2p/logger'
import { errorReply, okReply, type Status } from '../protocols/common.ts'
import { ProtocolError } from '../protocols/errors.ts'
import type { FramedStream } from '../protocols/stream.ts'
import { decodeWorkRequest, encodeWorkResponse, type ResultStatus as WireResultStatus, type Standing, type WorkRequest, type WorkResponse } from '../protocols/work.ts'
import { MAX_LEASES_PER_PULL } from './constants.ts'
import type { IncomingResult, ResultAck, Scheduler } from './scheduler.ts'

const log = logger('peergrid:coordinator:work')

const RESULT_STATUS: Record<WireResultStatus, IncomingResult['status']> = {
  OK: 'ok', ERROR: 'error', TIMEOUT: 'timeout', OUT_OF_MEMORY: 'out-of-memory'
}

const ACK_STATUS: Record<ResultAck, Status> = { OK: 'OK', NOT_FOUND: 'UNKNOWN_LEASE', LEASE_EXPIRED: 'LEASE_EXPIRED' }

const encoder = new TextEncoder()

export class WorkService {
  readonly #scheduler: Scheduler

  constructor (scheduler: Scheduler) {
    this.#scheduler = scheduler
  }

  /** Answers one request, with the peer's standing as it is after the request. */
  handle (request: WorkRequest, peer: string): WorkResponse {
    return { ...this.#answer(request, peer), standing: this.#standing(peer) }
  }

  #standing (peer: string): Standing {
    const { score, state } = this.#scheduler.peers.reputation(peer)
    return { credit: this.#scheduler.creditOf(peer), score, state }
  }

  #answer (request: WorkRequest, peer: string): WorkResponse {
    switch (request.type) {
      case 'pull': {
        if (this.#scheduler.peers.isBanned(peer)) return errorReply('BANNED', 'this coordinator has banned you for returning wrong results')
        const leases = this.#scheduler.lease(peer, Math.min(request.maxUnits, MAX_LEASES_PER_PULL), request.jobIds)
        if (leases.length === 0) return errorReply('NO_WORK', 'no unit is waiting for you; pull again after the next announcement')
        return okReply({
          type: 'leases',
          leases: leases.map((l) => ({ leaseId: l.id, jobId: l.jobId, kind: l.kind, unitIndex: l.unitIndex, payload: encoder.encode(l.payload), deadlineMs: l.deadlineMs, timeoutMs: l.timeoutMs }))
        })
      }
      case 'report': {
        const acks = this.#scheduler.report(peer, request.results.map((r) => ({ leaseId: r.leaseId, status: RESULT_STATUS[r.status], output: r.output, cpuMs: r.cpuMs })))
        return okReply({ type: 'reportAck', acks: acks.map((ack, i) => ({ leaseId: request.results[i]!.leaseId, status: ACK_STATUS[ack] })) })
      }
      case 'release':
        this.#scheduler.release(peer, request.leaseIds)
        return okReply({ type: 'released' })
    }
  }

  /** Serves one worker's stream until it ends or sends something malformed. */
  async serve (frames: FramedStream, peer: string): Promise<void> {
    for (;;) {
      let response: WorkResponse
      let fatal = false
      try {
        const frame = await frames.read()
        if (frame === undefined) return
        response = this.handle(decodeWorkRequest(frame), peer)
      } catch (err) {
        fatal = true
        if (err instanceof ProtocolError) {
          log('bad frame from %s: %s', peer, err.message)
          response = errorReply(err.status, err.message)
        } else {
          log.error('work request from %s failed: %e', peer, err)
          response = errorReply('INTERNAL', 'the coordinator failed on this request; reconnect and try again')
        }
      }
      await frames.write(encodeWorkResponse(response))
      if (fatal) return
    }
  }
}
