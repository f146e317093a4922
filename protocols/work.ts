/** Messages of the worker ↔ coordinator protocol `/peergrid/work/1.0.0` (`work.proto`). */
import { enumCodec, messageCodecs, type ProtoObject } from './codec.ts'
import { replyFromWire, replyToWire, statusCodec, type Reply, type Status } from './common.ts'
import { MAX_CREDIT_MILLI, MAX_FRAME_BYTES, MAX_ID_BYTES, MAX_JOB_FILTER, MAX_KIND_BYTES, MAX_TEXT_BYTES, MAX_UNITS_PER_FRAME } from './constants.ts'
import { MalformedMessageError } from './errors.ts'
import {
  asObject,
  asString,
  getBytes,
  getList,
  getNumber,
  getObject,
  getOneofCase,
  getString,
  requireNonEmpty,
  requireRange,
  requireUint32,
  requireUint64
} from './fields.ts'

/** Ask for up to `maxUnits` (1 to MAX_UNITS_PER_FRAME) leases, of the listed jobs only if any. */
export interface Pull {
  readonly type: 'pull'
  readonly maxUnits: number
  readonly jobIds: readonly string[]
}

export interface Report {
  readonly type: 'report'
  readonly results: readonly UnitResult[]
}

/** Hand back leases the worker will not start, so they are re-issued without waiting for expiry. */
export interface Release {
  readonly type: 'release'
  readonly leaseIds: readonly string[]
}

export type WorkRequest = Pull | Report | Release

export const RESULT_STATUSES = ['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'] as const
export type ResultStatus = (typeof RESULT_STATUSES)[number]

export interface UnitResult {
  readonly leaseId: string
  readonly status: ResultStatus
  /** The job kind's output; empty unless `status` is OK. */
  readonly output: Uint8Array
  /** Why the unit failed; empty when it succeeded. */
  readonly error: string
  readonly cpuMs: number
}

export interface Lease {
  readonly leaseId: string
  readonly jobId: string
  readonly kind: string
  readonly unitIndex: number
  /** The unit as JSON bytes. */
  readonly payload: Uint8Array
  /** Absolute deadline, milliseconds since the Unix epoch on the coordinator's clock. */
  readonly deadlineMs: number
  /** The same deadline relative to issue, for workers whose clock differs. */
  readonly timeoutMs: number
}

export interface LeaseAck {
  readonly leaseId: string
  readonly status: Status
}

export interface Leases {
  readonly type: 'leases'
  readonly leases: readonly Lease[]
}

/** One ack per reported result, in report order. */
export interface ReportAck {
  readonly type: 'reportAck'
  readonly acks: readonly LeaseAck[]
}

export interface Released {
  readonly type: 'released'
}

export type WorkResponseBody = Leases | ReportAck | Released

export const PEER_STATES = ['PROBATION', 'TRUSTED', 'BANNED'] as const
export type WirePeerState = (typeof PEER_STATES)[number]

/** How the coordinator rates the worker it answers: credit earned and reputation. */
export interface Standing {
  /** Credit granted for accepted results, in reference core-seconds (jobs/credit.ts). */
  readonly credit: number
  /** Reputation score in [0, 1]. */
  readonly score: number
  readonly state: Lowercase<WirePeerState>
}

/** A reply, with the worker's standing on every reply to a request the coordinator handled. */
export type WorkResponse = Reply<WorkResponseBody> & { readonly standing?: Standing }

const resultStatusCodec = enumCodec('UnitResult.ResultStatus', RESULT_STATUSES)
const peerStateCodec = enumCodec('Standing.PeerState', PEER_STATES)

const id = { maxBytes: MAX_ID_BYTES }
const batch = { maxBytes: MAX_ID_BYTES, maxCount: MAX_UNITS_PER_FRAME }

const codecs = messageCodecs(
  { WorkRequest: MAX_FRAME_BYTES.workRequest, WorkResponse: MAX_FRAME_BYTES.workResponse },
  {
    'Pull.jobIds': { maxBytes: MAX_ID_BYTES, maxCount: MAX_JOB_FILTER },
    'Report.results': { maxCount: MAX_UNITS_PER_FRAME },
    'Release.leaseIds': batch,
    'UnitResult.leaseId': id,
    'UnitResult.error': { maxBytes: MAX_TEXT_BYTES },
    'WorkResponse.message': { maxBytes: MAX_TEXT_BYTES },
    'Leases.leases': { maxCount: MAX_UNITS_PER_FRAME },
    'Lease.leaseId': id,
    'Lease.jobId': id,
    'Lease.kind': { maxBytes: MAX_KIND_BYTES },
    'ReportAck.acks': { maxCount: MAX_UNITS_PER_FRAME },
    'LeaseAck.leaseId': id
  }
)

/** Throws MalformedMessageError or FrameTooLargeError when peers would reject the message. */
export function encodeWorkRequest (request: WorkRequest): Uint8Array {
  validateWorkRequest(request)
  return codecs.WorkRequest.encode(workRequestToWire(request))
}

/** Throws MalformedMessageError or FrameTooLargeError, and nothing else, on bad input. */
export function decodeWorkRequest (bytes: Uint8Array): WorkRequest {
  const request = workRequestFromWire(codecs.WorkRequest.decode(bytes))
  validateWorkRequest(request)
  return request
}

/** Throws MalformedMessageError or FrameTooLargeError when peers would reject the message. */
export function encodeWorkResponse (response: WorkResponse): Uint8Array {
  const wire = replyToWire(response, 'WorkResponse', (body) => {
    validateWorkResponseBody(body)
    return workResponseBodyToWire(body)
  })
  return codecs.WorkResponse.encode(response.standing == null ? wire : { ...wire, standing: standingToWire(response.standing) })
}

/** Throws MalformedMessageError or FrameTooLargeError, and nothing else, on bad input. */
export function decodeWorkResponse (bytes: Uint8Array): WorkResponse {
  const wire = codecs.WorkResponse.decode(bytes)
  const response = replyFromWire(wire, 'WorkResponse', workResponseBodyFromWire)
  if (response.status === 'OK') validateWorkResponseBody(response.body)
  return wire.standing == null ? response : { ...response, standing: standingFromWire(getObject(wire, 'standing')) }
}

function standingToWire ({ credit, score, state }: Standing): ProtoObject {
  const creditMilli = Math.round(credit * 1000)
  const scorePpm = Math.round(score * 1e6)
  requireRange(creditMilli, 0, MAX_CREDIT_MILLI, 'Standing.creditMilli')
  requireRange(scorePpm, 0, 1e6, 'Standing.scorePpm')
  return { creditMilli, scorePpm, state: peerStateCodec.toWire(state.toUpperCase() as WirePeerState, 'Standing.state') }
}

function standingFromWire (wire: ProtoObject): Standing {
  const creditMilli = getNumber(wire, 'creditMilli')
  const scorePpm = getNumber(wire, 'scorePpm')
  requireRange(creditMilli, 0, MAX_CREDIT_MILLI, 'Standing.creditMilli')
  requireRange(scorePpm, 0, 1e6, 'Standing.scorePpm')
  const state = peerStateCodec.fromWire(getNumber(wire, 'state'), 'Standing.state')
  return { credit: creditMilli / 1000, score: scorePpm / 1e6, state: state.toLowerCase() as Lowercase<WirePeerState> }
}

function validateWorkRequest (request: WorkRequest): void {
  switch (request.type) {
    case 'pull':
      requireRange(request.maxUnits, 1, MAX_UNITS_PER_FRAME, 'Pull.maxUnits')
      return request.jobIds.forEach((jobId) => requireNonEmpty(jobId, 'Pull.jobIds[]'))
    case 'report':
      return request.results.forEach(validateUnitResult)
    case 'release':
      return request.leaseIds.forEach((leaseId) => requireNonEmpty(leaseId, 'Release.leaseIds[]'))
    default:
      throw unknownType('WorkRequest', request)
  }
}

function validateUnitResult (result: UnitResult): void {
  requireNonEmpty(result.leaseId, 'UnitResult.leaseId')
  requireUint32(result.cpuMs, 'UnitResult.cpuMs')
}

function workRequestToWire (request: WorkRequest): ProtoObject {
  switch (request.type) {
    case 'pull':
      return { pull: { maxUnits: request.maxUnits, jobIds: request.jobIds } }
    case 'report':
      return { report: { results: request.results.map(unitResultToWire) } }
    case 'release':
      return { release: { leaseIds: request.leaseIds } }
  }
}

function unitResultToWire ({ leaseId, status, output, error, cpuMs }: UnitResult): ProtoObject {
  return { leaseId, status: resultStatusCodec.toWire(status, 'UnitResult.status'), output, error, cpuMs }
}

function workRequestFromWire (wire: ProtoObject): WorkRequest {
  const type = getOneofCase(wire, 'request')
  switch (type) {
    case 'pull': {
      const body = getObject(wire, type)
      return { type, maxUnits: getNumber(body, 'maxUnits'), jobIds: getList(body, 'jobIds', asString) }
    }
    case 'report':
      return { type, results: getList(getObject(wire, type), 'results', unitResultFromWire) }
    case 'release':
      return { type, leaseIds: getList(getObject(wire, type), 'leaseIds', asString) }
    default:
      throw new MalformedMessageError('WorkRequest carries no request; send one of pull, report, release')
  }
}

function unitResultFromWire (item: unknown, field: string): UnitResult {
  const wire = asObject(item, field)
  return {
    leaseId: getString(wire, 'leaseId'),
    status: resultStatusCodec.fromWire(getNumber(wire, 'status'), 'UnitResult.status'),
    output: getBytes(wire, 'output'),
    error: getString(wire, 'error'),
    cpuMs: getNumber(wire, 'cpuMs')
  }
}

function validateWorkResponseBody (body: WorkResponseBody): void {
  switch (body.type) {
    case 'leases':
      return body.leases.forEach(validateLease)
    case 'reportAck':
      return body.acks.forEach((ack) => requireNonEmpty(ack.leaseId, 'LeaseAck.leaseId'))
    case 'released':
      return
    default:
      throw unknownType('WorkResponse body', body)
  }
}

function validateLease (lease: Lease): void {
  requireNonEmpty(lease.leaseId, 'Lease.leaseId')
  requireNonEmpty(lease.jobId, 'Lease.jobId')
  requireNonEmpty(lease.kind, 'Lease.kind')
  requireUint32(lease.unitIndex, 'Lease.unitIndex')
  requireUint64(lease.deadlineMs, 'Lease.deadlineMs')
  requireUint32(lease.timeoutMs, 'Lease.timeoutMs')
}

function workResponseBodyToWire (body: WorkResponseBody): ProtoObject {
  switch (body.type) {
    case 'leases':
      return { leases: { leases: body.leases.map(leaseToWire) } }
    case 'reportAck':
      return { reportAck: { acks: body.acks.map(({ leaseId, status }) => ({ leaseId, status: statusCodec.toWire(status, 'LeaseAck.status') })) } }
    case 'released':
      return { released: {} }
  }
}

function leaseToWire ({ leaseId, jobId, kind, unitIndex, payload, deadlineMs, timeoutMs }: Lease): ProtoObject {
  return { leaseId, jobId, kind, unitIndex, payload, deadlineMs, timeoutMs }
}

function workResponseBodyFromWire (wire: ProtoObject): WorkResponseBody | undefined {
  const type = getOneofCase(wire, 'body')
  switch (type) {
    case undefined:
      return undefined
    case 'leases':
      return { type, leases: getList(getObject(wire, type), 'leases', leaseFromWire) }
    case 'reportAck':
      return { type, acks: getList(getObject(wire, type), 'acks', leaseAckFromWire) }
    case 'released':
      return { type }
    default:
      throw new MalformedMessageError(`WorkResponse body ${type} is not one this version knows`)
  }
}

function leaseFromWire (item: unknown, field: string): Lease {
  const wire = asObject(item, field)
  return {
    leaseId: getString(wire, 'leaseId'),
    jobId: getString(wire, 'jobId'),
    kind: getString(wire, 'kind'),
    unitIndex: getNumber(wire, 'unitIndex'),
    payload: getBytes(wire, 'payload'),
    deadlineMs: getNumber(wire, 'deadlineMs'),
    timeoutMs: getNumber(wire, 'timeoutMs')
  }
}

function leaseAckFromWire (item: unknown, field: string): LeaseAck {
  const wire = asObject(item, field)
  return {
    leaseId: getString(wire, 'leaseId'),
    status: statusCodec.fromWire(getNumber(wire, 'status'), 'LeaseAck.status')
  }
}

function unknownType (what: string, value: { readonly type: unknown }): MalformedMessageError {
  return new MalformedMessageError(`${what} has unknown type ${JSON.stringify(value.type)}`)
}
