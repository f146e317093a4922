/** Reputation reports gossiped between coordinators on `peergrid/reputation/1` (`reputation.proto`). */
import { messageCodecs } from './codec.ts'
import { MAX_PEER_ID_BYTES, MAX_STATE_BYTES } from './constants.ts'
import { asObject, getList, getNumber, getString, requireNonEmpty, requireRange, requireUint64 } from './fields.ts'

export const MAX_STANDINGS_PER_REPORT = 1000

export interface PeerStanding {
  readonly peer: string
  readonly state: string
  /** In [0, 1]. */
  readonly score: number
  readonly verified: number
  readonly invalid: number
}

export interface ReputationReport {
  readonly coordinator: string
  readonly timestampMs: number
  readonly peers: readonly PeerStanding[]
}

const codecs = messageCodecs(
  { ReputationReport: 256 * 1024 },
  {
    'ReputationReport.coordinator': { maxBytes: MAX_PEER_ID_BYTES },
    'ReputationReport.peers': { maxCount: MAX_STANDINGS_PER_REPORT },
    'PeerStanding.peer': { maxBytes: MAX_PEER_ID_BYTES },
    'PeerStanding.state': { maxBytes: MAX_STATE_BYTES }
  }
)

export function encodeReputationReport (report: ReputationReport): Uint8Array {
  requireNonEmpty(report.coordinator, 'ReputationReport.coordinator')
  requireUint64(report.timestampMs, 'ReputationReport.timestampMs')
  return codecs.ReputationReport.encode({
    coordinator: report.coordinator,
    timestampMs: report.timestampMs,
    peers: report.peers.map((p) => ({ peer: p.peer, state: p.state, scorePpm: Math.round(Math.min(1, Math.max(0, p.score)) * 1e6), verified: p.verified, invalid: p.invalid }))
  })
}

export function decodeReputationReport (bytes: Uint8Array): ReputationReport {
  const wire = codecs.ReputationReport.decode(bytes)
  const coordinator = getString(wire, 'coordinator')
  requireNonEmpty(coordinator, 'ReputationReport.coordinator')
  return {
    coordinator,
    timestampMs: getNumber(wire, 'timestampMs'),
    peers: getList(wire, 'peers', (item, field) => {
      const w = asObject(item, field)
      const scorePpm = getNumber(w, 'scorePpm')
      requireRange(scorePpm, 0, 1e6, 'PeerStanding.scorePpm')
      const peer = getString(w, 'peer')
      requireNonEmpty(peer, 'PeerStanding.peer')
      return { peer, state: getString(w, 'state'), score: scorePpm / 1e6, verified: getNumber(w, 'verified'), invalid: getNumber(w, 'invalid') }
    })
  }
}
