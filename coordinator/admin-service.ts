/**
 * The admin protocol `/peergrid/admin/1.0.0`: anyone may list peers and their reputation
 * (what the dashboard shows); banning and unbanning need the coordinator's admin token.
 */
import { timingSafeEqual } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { decodeAdminRequest, encodeAdminResponse, type AdminRequest, type AdminResponse, type PeerInfo } from '../protocols/admin.ts'
import { errorReply, okReply } from '../protocols/common.ts'
import { ProtocolError } from '../protocols/errors.ts'
import type { FramedStream } from '../protocols/stream.ts'
import type { Scheduler } from './scheduler.ts'
import type { PeerRow, Store } from './store.ts'

const log = logger('peergrid:coordinator:admin')

export function peerInfo (row: PeerRow): PeerInfo {
  return {
    id: row.id,
    address: row.address ?? '',
    state: row.state,
    score: Math.min(1, Math.max(0, row.score)),
    valid: row.valid,
    invalid: row.invalid,
    errors: row.errors,
    timeouts: row.timeouts,
    spotPassed: row.spot_passed,
    spotFailed: row.spot_failed,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
    credit: Math.round(row.credit * 1000) / 1000
  }
}

function sameToken (given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  // An empty expected token would let an empty given one through: no token, no admin.
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b)
}

export class AdminService {
  readonly #store: Store
  readonly #scheduler: Scheduler
  readonly #token: string

  constructor (store: Store, scheduler: Scheduler, token: string) {
    this.#store = store
    this.#scheduler = scheduler
    this.#token = token
  }

  handle (request: AdminRequest): AdminResponse {
    if (request.type === 'listPeers') return okReply({ type: 'peers', peers: this.#store.listPeers().map(peerInfo) })
    if (!sameToken(request.token, this.#token)) {
      return errorReply('UNAUTHORIZED', 'banning needs the admin token: it is in admin.token in the coordinator\'s data directory')
    }
    this.#scheduler.setBanned(request.peer, request.banned)
    log('peer %s %s by the operator', request.peer, request.banned ? 'banned' : 'unbanned')
    return okReply({ type: 'banSet', peer: peerInfo(this.#store.getPeer(request.peer)!) })
  }

  async serve (frames: FramedStream): Promise<void> {
    let response: AdminResponse
    try {
      const frame = await frames.read()
      if (frame === undefined) return
      response = this.handle(decodeAdminRequest(frame))
    } catch (err) {
      response = err instanceof ProtocolError ? errorReply(err.status, err.message) : errorReply('INTERNAL', 'the coordinator failed on this request; try again')
      if (!(err instanceof ProtocolError)) log.error('admin request failed: %e', err)
    }
    await frames.write(encodeAdminResponse(response))
  }
}
