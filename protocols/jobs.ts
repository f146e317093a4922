/** Messages of the client ↔ coordinator protocol `/peergrid/jobs/1.0.0` (`jobs.proto`). */
import { messageCodecs, type ProtoObject } from './codec.ts'
import { replyFromWire, replyToWire, type Reply } from './common.ts'
import {
  MAX_FRAME_BYTES,
  MAX_ID_BYTES,
  MAX_JOBS_PER_STATUS,
  MAX_FILE_NAME_BYTES,
  MAX_KIND_BYTES,
  MAX_MEDIA_TYPE_BYTES,
  MAX_PEERS_PER_UNIT,
  MAX_PEER_ID_BYTES,
  MAX_SPEC_JSON_BYTES,
  MAX_STATE_BYTES,
  MAX_TEXT_BYTES,
  MAX_UNITS_PER_JOB
} from './constants.ts'
import { MalformedMessageError } from './errors.ts'
import {
  asObject,
  asString,
  getBool,
  getBytes,
  getList,
  getNumber,
  getObject,
  getOneofCase,
  getOptionalNumber,
  getString,
  requireNonEmpty,
  requireUint32,
  requireUint64
} from './fields.ts'

export interface SubmitJob {
  readonly type: 'submitJob'
  readonly specJson: string
}

export interface GetStatus {
  readonly type: 'getStatus'
  /** Empty lists the newest jobs (the coordinator bounds how many). */
  readonly jobId: string
  /** Include per-unit detail. */
  readonly units: boolean
}

export interface GetResult {
  readonly type: 'getResult'
  readonly jobId: string
}

export interface CancelJob {
  readonly type: 'cancelJob'
  readonly jobId: string
}

export type JobRequest = SubmitJob | GetStatus | GetResult | CancelJob

export interface UnitStatus {
  readonly index: number
  readonly state: string
  /** Peers that returned a result. */
  readonly peers: readonly string[]
  /** Peers whose result was accepted. */
  readonly acceptedPeers: readonly string[]
  readonly results: number
}

export interface JobStatus {
  readonly id: string
  readonly kind: string
  readonly state: string
  readonly unitsTotal: number
  readonly unitsAccepted: number
  readonly unitsFailed: number
  readonly resultsReceived: number
  /** Milliseconds since the Unix epoch. */
  readonly createdMs: number
  /** Absent while the job runs. */
  readonly finishedMs?: number
  /** Empty unless the request asked for units. */
  readonly units: readonly UnitStatus[]
}

export interface Submitted {
  readonly type: 'submitted'
  readonly jobId: string
  readonly units: number
}

export interface StatusReply {
  readonly type: 'statusReply'
  readonly jobs: readonly JobStatus[]
  /** On a list of the newest jobs: how many the coordinator holds in all. */
  readonly totalJobs?: number
}

export interface ResultReply {
  readonly type: 'resultReply'
  readonly valueJson: string
  /** Empty, along with `mediaType` and `file`, when the result is a plain value. */
  readonly fileName: string
  readonly mediaType: string
  readonly file: Uint8Array
}

export interface Cancelled {
  readonly type: 'cancelled'
}

export type JobResponseBody = Submitted | StatusReply | ResultReply | Cancelled
export type JobResponse = Reply<JobResponseBody>

const id = { maxBytes: MAX_ID_BYTES }
const peerIds = { maxBytes: MAX_PEER_ID_BYTES, maxCount: MAX_PEERS_PER_UNIT }

const codecs = messageCodecs(
  { JobRequest: MAX_FRAME_BYTES.jobRequest, JobResponse: MAX_FRAME_BYTES.jobResponse },
  {
    'SubmitJob.specJson': { maxBytes: MAX_SPEC_JSON_BYTES },
    'GetStatus.jobId': id,
    'GetResult.jobId': id,
    'CancelJob.jobId': id,
    'JobResponse.message': { maxBytes: MAX_TEXT_BYTES },
    'Submitted.jobId': id,
    'StatusReply.jobs': { maxCount: MAX_JOBS_PER_STATUS },
    'JobStatus.id': id,
    'JobStatus.kind': { maxBytes: MAX_KIND_BYTES },
    'JobStatus.state': { maxBytes: MAX_STATE_BYTES },
    'JobStatus.units': { maxCount: MAX_UNITS_PER_JOB },
    'UnitStatus.state': { maxBytes: MAX_STATE_BYTES },
    'UnitStatus.peers': peerIds,
    'UnitStatus.acceptedPeers': peerIds,
    'ResultReply.valueJson': { maxBytes: MAX_FRAME_BYTES.jobResponse },
    'ResultReply.fileName': { maxBytes: MAX_FILE_NAME_BYTES },
    'ResultReply.mediaType': { maxBytes: MAX_MEDIA_TYPE_BYTES }
  }
)

/** Throws MalformedMessageError or FrameTooLargeError when peers would reject the message. */
export function encodeJobRequest (request: JobRequest): Uint8Array {
  validateJobRequest(request)
  return codecs.JobRequest.encode(jobRequestToWire(request))
}

/** Throws MalformedMessageError or FrameTooLargeError, and nothing else, on bad input. */
export function decodeJobRequest (bytes: Uint8Array): JobRequest {
  const request = jobRequestFromWire(codecs.JobRequest.decode(bytes))
  validateJobRequest(request)
  return request
}

/** Throws MalformedMessageError or FrameTooLargeError when peers would reject the message. */
export function encodeJobResponse (response: JobResponse): Uint8Array {
  return codecs.JobResponse.encode(replyToWire(response, 'JobResponse', (body) => {
    validateJobResponseBody(body)
    return jobResponseBodyToWire(body)
  }))
}

/** Throws MalformedMessageError or FrameTooLargeError, and nothing else, on bad input. */
export function decodeJobResponse (bytes: Uint8Array): JobResponse {
  const response = replyFromWire(codecs.JobResponse.decode(bytes), 'JobResponse', jobResponseBodyFromWire)
  if (response.status === 'OK') validateJobResponseBody(response.body)
  return response
}

function validateJobRequest (request: JobRequest): void {
  switch (request.type) {
    case 'submitJob':
      return requireNonEmpty(request.specJson, 'SubmitJob.specJson')
    case 'getStatus':
      return
    case 'getResult':
      return requireNonEmpty(request.jobId, 'GetResult.jobId')
    case 'cancelJob':
      return requireNonEmpty(request.jobId, 'CancelJob.jobId')
    default:
      throw unknownType('JobRequest', request)
  }
}

function jobRequestToWire (request: JobRequest): ProtoObject {
  switch (request.type) {
    case 'submitJob':
      return { submitJob: { specJson: request.specJson } }
    case 'getStatus':
      return { getStatus: { jobId: request.jobId, units: request.units } }
    case 'getResult':
      return { getResult: { jobId: request.jobId } }
    case 'cancelJob':
      return { cancelJob: { jobId: request.jobId } }
  }
}

function jobRequestFromWire (wire: ProtoObject): JobRequest {
  const type = getOneofCase(wire, 'request')
  switch (type) {
    case 'submitJob':
      return { type, specJson: getString(getObject(wire, type), 'specJson') }
    case 'getStatus': {
      const body = getObject(wire, type)
      return { type, jobId: getString(body, 'jobId'), units: getBool(body, 'units') }
    }
    case 'getResult':
    case 'cancelJob':
      return { type, jobId: getString(getObject(wire, type), 'jobId') }
    default:
      throw new MalformedMessageError('JobRequest carries no request; send one of submitJob, getStatus, getResult, cancelJob')
  }
}

function validateJobResponseBody (body: JobResponseBody): void {
  switch (body.type) {
    case 'submitted':
      requireNonEmpty(body.jobId, 'Submitted.jobId')
      return requireUint32(body.units, 'Submitted.units')
    case 'statusReply':
      if (body.totalJobs !== undefined) requireUint32(body.totalJobs, 'StatusReply.totalJobs')
      return body.jobs.forEach(validateJobStatus)
    case 'resultReply':
    case 'cancelled':
      return
    default:
      throw unknownType('JobResponse body', body)
  }
}

function validateJobStatus (status: JobStatus): void {
  requireNonEmpty(status.id, 'JobStatus.id')
  requireUint32(status.unitsTotal, 'JobStatus.unitsTotal')
  requireUint32(status.unitsAccepted, 'JobStatus.unitsAccepted')
  requireUint32(status.unitsFailed, 'JobStatus.unitsFailed')
  requireUint32(status.resultsReceived, 'JobStatus.resultsReceived')
  requireUint64(status.createdMs, 'JobStatus.createdMs')
  if (status.finishedMs !== undefined) requireUint64(status.finishedMs, 'JobStatus.finishedMs')
  for (const unit of status.units) {
    requireUint32(unit.index, 'UnitStatus.index')
    requireUint32(unit.results, 'UnitStatus.results')
  }
}

function jobResponseBodyToWire (body: JobResponseBody): ProtoObject {
  switch (body.type) {
    case 'submitted':
      return { submitted: { jobId: body.jobId, units: body.units } }
    case 'statusReply':
      return { statusReply: { jobs: body.jobs.map(jobStatusToWire), ...(body.totalJobs !== undefined ? { totalJobs: body.totalJobs } : {}) } }
    case 'resultReply': {
      const { valueJson, fileName, mediaType, file } = body
      return { resultReply: { valueJson, fileName, mediaType, file } }
    }
    case 'cancelled':
      return { cancelled: {} }
  }
}

function jobStatusToWire (status: JobStatus): ProtoObject {
  const { id, kind, state, unitsTotal, unitsAccepted, unitsFailed, resultsReceived, createdMs, finishedMs } = status
  const units = status.units.map(({ index, state, peers, acceptedPeers, results }) => ({
    index,
    state,
    peers,
    acceptedPeers,
    results
  }))
  const wire = { id, kind, state, unitsTotal, unitsAccepted, unitsFailed, resultsReceived, createdMs, units }
  return finishedMs === undefined ? wire : { ...wire, finishedMs }
}

function jobResponseBodyFromWire (wire: ProtoObject): JobResponseBody | undefined {
  const type = getOneofCase(wire, 'body')
  switch (type) {
    case undefined:
      return undefined
    case 'submitted': {
      const body = getObject(wire, type)
      return { type, jobId: getString(body, 'jobId'), units: getNumber(body, 'units') }
    }
    case 'statusReply': {
      const body = getObject(wire, type)
      const totalJobs = getOptionalNumber(body, 'totalJobs')
      const jobs = getList(body, 'jobs', jobStatusFromWire)
      return totalJobs === undefined ? { type, jobs } : { type, jobs, totalJobs }
    }
    case 'resultReply': {
      const body = getObject(wire, type)
      return {
        type,
        valueJson: getString(body, 'valueJson'),
        fileName: getString(body, 'fileName'),
        mediaType: getString(body, 'mediaType'),
        file: getBytes(body, 'file')
      }
    }
    case 'cancelled':
      return { type }
    default:
      throw new MalformedMessageError(`JobResponse body ${type} is not one this version knows`)
  }
}

function jobStatusFromWire (item: unknown, field: string): JobStatus {
  const wire = asObject(item, field)
  const finishedMs = getOptionalNumber(wire, 'finishedMs')
  const status = {
    id: getString(wire, 'id'),
    kind: getString(wire, 'kind'),
    state: getString(wire, 'state'),
    unitsTotal: getNumber(wire, 'unitsTotal'),
    unitsAccepted: getNumber(wire, 'unitsAccepted'),
    unitsFailed: getNumber(wire, 'unitsFailed'),
    resultsReceived: getNumber(wire, 'resultsReceived'),
    createdMs: getNumber(wire, 'createdMs'),
    units: getList(wire, 'units', unitStatusFromWire)
  }
  return finishedMs === undefined ? status : { ...status, finishedMs }
}

function unitStatusFromWire (item: unknown, field: string): UnitStatus {
  const wire = asObject(item, field)
  return {
    index: getNumber(wire, 'index'),
    state: getString(wire, 'state'),
    peers: getList(wire, 'peers', asString),
    acceptedPeers: getList(wire, 'acceptedPeers', asString),
    results: getNumber(wire, 'results')
  }
}

function unknownType (what: string, value: { readonly type: unknown }): MalformedMessageError {
  return new MalformedMessageError(`${what} has unknown type ${JSON.stringify(value.type)}`)
}
