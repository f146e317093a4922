/**
 * Every protocol id and gossipsub topic PeerGrid speaks, in one place so that a version bump is
 * a one-line change that both sides pick up.
 */

/** libp2p stream protocol ids. The version changes whenever the wire format does. */
export const PROTOCOLS = {
  /** Client ↔ coordinator: submit, status, result, cancel (`jobs.proto`). */
  jobs: '/peergrid/jobs/1.0.0',
  /** Worker ↔ coordinator: pull leases, report results, release leases (`work.proto`). */
  work: '/peergrid/work/1.0.0',
  /** Anyone ↔ coordinator: peers and their reputation; bans with the admin token (`admin.proto`). */
  admin: '/peergrid/admin/1.0.0'
} as const

export type ProtocolId = (typeof PROTOCOLS)[keyof typeof PROTOCOLS]

/** Gossipsub topics. */
export const TOPICS = {
  /** Job announcements (`announce.proto`). */
  jobs: 'peergrid/jobs/1',
  /** Signed reputation reports exchanged between coordinators. */
  reputation: 'peergrid/reputation/1',
  /** Pubsub peer discovery. */
  discovery: 'peergrid/discovery/1'
} as const

export type Topic = (typeof TOPICS)[keyof typeof TOPICS]
