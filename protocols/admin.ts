/** Messages of the admin protocol `/peergrid/admin/1.0.0` (`admin.proto`). */
import { messageCodecs, type ProtoObject } from './codec.ts'
import { replyFromWire, replyToWire, type Reply } from './common.ts'
import { MAX_ADDR_BYTES, MAX_CREDIT_MILLI, MAX_ID_BYTES, MAX_PEER_ID_BYTES, MAX_STATE_BYTES, MAX_TEXT_BYTES } from './constants.ts'
import { MalformedMessageError } from './errors.ts'
import { asObject, getBool, getList, getNumber, getObject, getOneofCase, getString, requireNonEmpty, requireRange, requireUint32, requireUint64 } from './fields.ts'

export const MAX_PEERS_PER_REPLY = 100_000

export type AdminRequest =
  | { readonly type: 'listPeers', readonly token: string }
  | { readonly type: 'setBan', readonly token: string, readonly peer: string, readonly banned: boolean }

export interface PeerInfo {
  readonly id: string
  readonly address: string
  readonly state: string
  /** In [0, 1]. */
  readonly score: number
  readonly valid: number
  readonly invalid: number
  readonly errors: number
  readonly timeouts: number
  readonly spotPassed: number
  readonly spotFailed: number
  readonly firstSeenMs: number
  readonly lastSeenMs: number
  /** Credit granted for accepted results, in reference core-seconds, to the thousandth. */
  readonly credit: number
}

export type AdminResponseBody = { readonly type: 'peers', readonly peers: readonly PeerInfo[] } | { readonly type: 'banSet', readonly peer: PeerInfo }
export type AdminResponse = Reply<AdminResponseBody>

const codecs = messageCodecs(
  { AdminRequest: 64 * 1024, AdminResponse: 64 * 1024 * 1024 },
  {
    'AdminRequest.token': { maxBytes: MAX_ID_BYTES },
    'SetBan.peer': { maxBytes: MAX_PEER_ID_BYTES },
    'AdminResponse.message': { maxBytes: MAX_TEXT_BYTES },
    'PeersReply.peers': { maxCount: MAX_PEERS_PER_REPLY },
    'PeerInfo.id': { maxBytes: MAX_PEER_ID_BYTES },
    'PeerInfo.address': { maxBytes: MAX_ADDR_BYTES },
    'PeerInfo.state': { maxBytes: MAX_STATE_BYTES }
  }
)

export function encodeAdminRequest (request: AdminRequest): Uint8Array {
  if (request.type === 'setBan') requireNonEmpty(request.peer, 'SetBan.peer')
  return codecs.AdminRequest.encode(request.type === 'listPeers'
    ? { token: request.token, listPeers: {} }
    : { token: request.token, setBan: { peer: request.peer, banned: request.banned } })
}

export function decodeAdminRequest (bytes: Uint8Array): AdminRequest {
  const wire = codecs.AdminRequest.decode(bytes)
  const token = getString(wire, 'token')
  switch (getOneofCase(wire, 'request')) {
    case 'listPeers': return { type: 'listPeers', token }
    case 'setBan': {
      const body = getObject(wire, 'setBan')
      const peer = getString(body, 'peer')
      requireNonEmpty(peer, 'SetBan.peer')
      return { type: 'setBan', token, peer, banned: getBool(body, 'banned') }
    }
    default: throw new MalformedMessageError('AdminRequest carries no request; send listPeers or setBan')
  }
}

function peerToWire (p: PeerInfo): ProtoObject {
  if (!(p.score >= 0 && p.score <= 1)) throw new MalformedMessageError(`PeerInfo.score must be in [0, 1], not ${p.score}`)
  for (const [label, n] of [['valid', p.valid], ['invalid', p.invalid], ['errors', p.errors], ['timeouts', p.timeouts], ['spotPassed', p.spotPassed], ['spotFailed', p.spotFailed]] as const) requireUint32(n, `PeerInfo.${label}`)
  requireUint64(p.firstSeenMs, 'PeerInfo.firstSeenMs')
  requireUint64(p.lastSeenMs, 'PeerInfo.lastSeenMs')
  const creditMilli = Math.round(p.credit * 1000)
  requireRange(creditMilli, 0, MAX_CREDIT_MILLI, 'PeerInfo.creditMilli')
  const { id, address, state, valid, invalid, errors, timeouts, spotPassed, spotFailed, firstSeenMs, lastSeenMs } = p
  return { id, address, state, scorePpm: Math.round(p.score * 1e6), valid, invalid, errors, timeouts, spotPassed, spotFailed, firstSeenMs, lastSeenMs, creditMilli }
}

function peerFromWire (item: unknown, field: string): PeerInfo {
  const w = asObject(item, field)
  const scorePpm = getNumber(w, 'scorePpm')
  requireRange(scorePpm, 0, 1e6, 'PeerInfo.scorePpm')
  const creditMilli = getNumber(w, 'creditMilli')
  requireRange(creditMilli, 0, MAX_CREDIT_MILLI, 'PeerInfo.creditMilli')
  return {
    id: getString(w, 'id'),
    address: getString(w, 'address'),
    state: getString(w, 'state'),
    score: scorePpm / 1e6,
    valid: getNumber(w, 'valid'),
    invalid: getNumber(w, 'invalid'),
    errors: getNumber(w, 'errors'),
    timeouts: getNumber(w, 'timeouts'),
    spotPassed: getNumber(w, 'spotPassed'),
    spotFailed: getNumber(w, 'spotFailed'),
    firstSeenMs: getNumber(w, 'firstSeenMs'),
    lastSeenMs: getNumber(w, 'lastSeenMs'),
    credit: creditMilli / 1000
  }
}

export function encodeAdminResponse (response: AdminResponse): Uint8Array {
  return codecs.AdminResponse.encode(replyToWire(response, 'AdminResponse', (body) =>
    body.type === 'peers' ? { peers: { peers: body.peers.map(peerToWire) } } : { banSet: { peer: peerToWire(body.peer) } }))
}

export function decodeAdminResponse (bytes: Uint8Array): AdminResponse {
  return replyFromWire(codecs.AdminResponse.decode(bytes), 'AdminResponse', (wire) => {
    switch (getOneofCase(wire, 'body')) {
      case undefined: return undefined
      case 'peers': return { type: 'peers', peers: getList(getObject(wire, 'peers'), 'peers', peerFromWire) }
      case 'banSet': return { type: 'banSet', peer: peerFromWire(getObject(getObject(wire, 'banSet'), 'peer'), 'BanSet.peer') }
      default: throw new MalformedMessageError('AdminResponse body is not one this version knows')
    }
  })
}
