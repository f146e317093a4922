/**
 * Keeps dialling a worker's bootstrap list until it is connected to one of those peers, so
 * that a worker may start before its coordinator. A connection to some other peer does not
 * count: a peer that dialled this worker may know nobody else, and then the coordinator would
 * never be found.
 */
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdOfAddress, type PeerGridNode } from '../protocols/node.ts'
import { DIAL_TIMEOUT_MS, MAX_BOOTSTRAP_BACKOFF_MS } from './constants.ts'
import { backoffMs } from './coordinator-link.ts'

const log = logger('peergrid:worker:bootstrap')

/** Whether any peer of the bootstrap list is among the connected peers. */
export function reachedBootstrap (list: readonly string[], connectedPeers: ReadonlySet<string>): boolean {
  return list.some((addr) => connectedPeers.has(peerIdOfAddress(addr) ?? ''))
}

export class BootstrapDialer {
  readonly #node: Pick<PeerGridNode, 'dial' | 'getConnections'>
  readonly #list: readonly string[]
  #failures = 0
  #retryAt = 0

  constructor (node: Pick<PeerGridNode, 'dial' | 'getConnections'>, list: readonly string[]) {
    this.#node = node
    this.#list = list
  }

  /** Called on every housekeeping tick: dials the list when it is time and no bootstrap peer is connected. */
  tick (now: number): void {
    if (this.#list.length === 0 || now < this.#retryAt) return
    if (reachedBootstrap(this.#list, new Set(this.#node.getConnections().map((c) => c.remotePeer.toString())))) return
    this.#retryAt = now + backoffMs(++this.#failures, Math.random, MAX_BOOTSTRAP_BACKOFF_MS)
    for (const addr of this.#list) {
      this.#node.dial(multiaddr(addr), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        .then(() => { this.#failures = 0 })
        .catch((err: Error) => { log('bootstrap %s unreachable: %s', addr, err.message) })
    }
  }
}
