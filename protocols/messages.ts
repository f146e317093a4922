/**
 * The typed messages of every PeerGrid wire format and their strict codecs, in one import.
 * Each `decodeX` throws only MalformedMessageError or FrameTooLargeError, both carrying the
 * status to send back to the peer.
 */
export { STATUSES, errorReply, okReply } from './common.ts'
export type { ErrorStatus, Reply, Status } from './common.ts'
export { FrameTooLargeError, MalformedMessageError, ProtocolError } from './errors.ts'
export { decodeJobRequest, decodeJobResponse, encodeJobRequest, encodeJobResponse } from './jobs.ts'
export type {
  CancelJob,
  Cancelled,
  GetResult,
  GetStatus,
  JobRequest,
  JobResponse,
  JobResponseBody,
  JobStatus,
  ResultReply,
  StatusReply,
  SubmitJob,
  Submitted,
  UnitStatus
} from './jobs.ts'
export { RESULT_STATUSES, decodeWorkRequest, decodeWorkResponse, encodeWorkRequest, encodeWorkResponse } from './work.ts'
export type {
  Lease,
  LeaseAck,
  Leases,
  Pull,
  Release,
  Released,
  Report,
  ReportAck,
  ResultStatus,
  UnitResult,
  WorkRequest,
  WorkResponse,
  WorkResponseBody
} from './work.ts'
export { decodeJobAnnouncement, encodeJobAnnouncement } from './announce.ts'
export type { JobAnnouncement } from './announce.ts'
