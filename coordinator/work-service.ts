/**
 * The worker-facing protocol `/peergrid/work/1.0.0`: one long-lived stream per worker that
 * carries pulls, reports and releases, each answered in order. A frame that does not
 * decode gets an error status and ends the stream; the coordinator carries on. A peer that
 * sends faster than its limit gets BUSY, and the first BUSY of each flood costs it reputation.
 */
import { logger } from '@libp2p/logger'
import { errorReply, okReply, type Status } from '../protocols/common.ts'
import { ProtocolError } from '../protocols/errors.ts'
import type { FramedStream } from '../protocols/stream.ts'
import { decodeWorkRequest, encodeWorkResponse, type ResultStatus as WireResultStatus, type Standing, type WorkRequest, type WorkResponse } from '../protocols/work.ts'
import { DEFAULT_WORK_REQUEST_BURST, DEFAULT_WORK_REQUESTS_PER_SECOND, DEFAULT_WORK_STREAMS_PER_PEER, MAX_LEASES_PER_PULL } from './constants.ts'
import { RequestLimiter } from './request-limiter.ts'
import type { IncomingResult, ResultAck, Scheduler } from './scheduler.ts'

const log = logger('peergrid:coordinator:work')

const RESULT_STATUS: Record<WireResultStatus, IncomingResult['status']> = {
  OK: 'ok', ERROR: 'error', TIMEOUT: 'timeout', OUT_OF_MEMORY: 'out-of-memory'
}

const ACK_STATUS: Record<ResultAck, Status> = { OK: 'OK', NOT_FOUND: 'UNKNOWN_LEASE', LEASE_EXPIRED: 'LEASE_EXPIRED' }

const encoder = new TextEncoder()

export interface WorkServiceInit {
  /** Work requests per second one peer may keep up (default DEFAULT_WORK_REQUESTS_PER_SECOND). */
  requestsPerSecond?: number
  /** Requests one peer may send at once after a quiet spell (default DEFAULT_WORK_REQUEST_BURST). */
  requestBurst?: number
  /** Open work streams per peer (default DEFAULT_WORK_STREAMS_PER_PEER). */
  streamsPerPeer?: number
  now?: () => number
}

function positive (value: number | undefined, fallback: number, name: string, integer = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`options.${name} must be a positive ${integer ? 'integer' : 'number'} (got ${String(value)})`)
  }
  return value
}

export class WorkService {
  readonly #scheduler: Scheduler
  readonly #limiter: RequestLimiter
  readonly #limits: { ratePerSecond: number, burst: number, streams: number }
  readonly #now: () => number
  /** Requests refused with BUSY since start, for metrics and tests. */
  throttled = 0

  constructor (scheduler: Scheduler, init: WorkServiceInit = {}) {
    this.#scheduler = scheduler
    const ratePerSecond = positive(init.requestsPerSecond, DEFAULT_WORK_REQUESTS_PER_SECOND, 'requestsPerSecond')
    const burst = positive(init.requestBurst, Math.max(DEFAULT_WORK_REQUEST_BURST, ratePerSecond), 'requestBurst')
    if (burst < 1) throw new RangeError(`options.requestBurst must be at least 1 (got ${burst})`)
    const streams = positive(init.streamsPerPeer, DEFAULT_WORK_STREAMS_PER_PEER, 'streamsPerPeer', true)
    this.#limits = { ratePerSecond, burst, streams }
    this.#limiter = new RequestLimiter({ ratePerSecond, burst }, streams)
    this.#now = init.now ?? Date.now
  }

  /** Answers one request, with the peer's standing as it is after the request. */
  handle (request: WorkRequest, peer: string): WorkResponse {
    const verdict = this.#limiter.admit(peer, this.#now())
    if (!verdict.admitted) {
      this.throttled++
      if (verdict.flood) {
        log('%s floods work requests (over %d/s); throttled', peer, this.#limits.ratePerSecond)
        this.#scheduler.penalize(peer, 'flood')
      }
      const { ratePerSecond, burst } = this.#limits
      return { ...errorReply('BUSY', `too many work requests: at most ${ratePerSecond} per second (bursts of ${burst}); retry in ${verdict.retryAfterMs} ms`), standing: this.#standing(peer) }
    }
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
    if (!this.#limiter.open(peer)) {
      this.throttled++
      await frames.write(encodeWorkResponse(errorReply('BUSY', `too many open work streams: at most ${this.#limits.streams} per peer; send every request on one stream`)))
      return
    }
    try {
      await this.#serve(frames, peer)
    } finally {
      this.#limiter.close(peer)
    }
  }

  async #serve (frames: FramedStream, peer: string): Promise<void> {
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
