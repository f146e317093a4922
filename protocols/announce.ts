/**
 * Job announcements gossiped on `peergrid/jobs/1` (`announce.proto`). Gossipsub's StrictSign
 * authenticates the sender; a receiver must also check that `coordinator` is that sender.
 */
import { messageCodecs } from './codec.ts'
import { MAX_ADDR_BYTES, MAX_ANNOUNCED_ADDRS, MAX_FRAME_BYTES, MAX_ID_BYTES, MAX_KIND_BYTES, MAX_PEER_ID_BYTES } from './constants.ts'
import { asBytes, getList, getNumber, getString, requireNonEmpty, requireUint32, requireUint64 } from './fields.ts'

export interface JobAnnouncement {
  readonly jobId: string
  readonly kind: string
  readonly unitsWaiting: number
  /** The coordinator's peer id in string form. */
  readonly coordinator: string
  /** The coordinator's multiaddrs in binary form. */
  readonly addrs: readonly Uint8Array[]
  /** Milliseconds since the Unix epoch on the coordinator's clock. */
  readonly timestampMs: number
  /** Grows with each announcement of the job, so stale and replayed ones can be dropped. */
  readonly seq: number
}

const codecs = messageCodecs(
  { JobAnnouncement: MAX_FRAME_BYTES.announcement },
  {
    'JobAnnouncement.jobId': { maxBytes: MAX_ID_BYTES },
    'JobAnnouncement.kind': { maxBytes: MAX_KIND_BYTES },
    'JobAnnouncement.coordinator': { maxBytes: MAX_PEER_ID_BYTES },
    'JobAnnouncement.addrs': { maxBytes: MAX_ADDR_BYTES, maxCount: MAX_ANNOUNCED_ADDRS }
  }
)

/** Throws MalformedMessageError or FrameTooLargeError when peers would reject the message. */
export function encodeJobAnnouncement (announcement: JobAnnouncement): Uint8Array {
  validateJobAnnouncement(announcement)
  const { jobId, kind, unitsWaiting, coordinator, addrs, timestampMs, seq } = announcement
  return codecs.JobAnnouncement.encode({ jobId, kind, unitsWaiting, coordinator, addrs, timestampMs, seq })
}

/** Throws MalformedMessageError or FrameTooLargeError, and nothing else, on bad input. */
export function decodeJobAnnouncement (bytes: Uint8Array): JobAnnouncement {
  const wire = codecs.JobAnnouncement.decode(bytes)
  const announcement = {
    jobId: getString(wire, 'jobId'),
    kind: getString(wire, 'kind'),
    unitsWaiting: getNumber(wire, 'unitsWaiting'),
    coordinator: getString(wire, 'coordinator'),
    addrs: getList(wire, 'addrs', asBytes),
    timestampMs: getNumber(wire, 'timestampMs'),
    seq: getNumber(wire, 'seq')
  }
  validateJobAnnouncement(announcement)
  return announcement
}

function validateJobAnnouncement (announcement: JobAnnouncement): void {
  requireNonEmpty(announcement.jobId, 'JobAnnouncement.jobId')
  requireNonEmpty(announcement.kind, 'JobAnnouncement.kind')
  requireNonEmpty(announcement.coordinator, 'JobAnnouncement.coordinator')
  announcement.addrs.forEach((addr) => requireNonEmpty(addr, 'JobAnnouncement.addrs[]'))
  requireUint32(announcement.unitsWaiting, 'JobAnnouncement.unitsWaiting')
  requireUint64(announcement.timestampMs, 'JobAnnouncement.timestampMs')
  requireUint32(announcement.seq, 'JobAnnouncement.seq')
}
