/**
 * Keeps dialling a node's bootstrap list until one of those peers is connected, so that any
 * peer may start before the peers it bootstraps from. libp2p's bootstrap module dials once at
 * start and afterwards redials only a peer that was connected and dropped (its keep-alive
 * tag): a worker started before its coordinator, or a coordinator before its bootstrap peer,
 * would otherwise wait for that peer to dial it. A connection to some other peer does not
 * count: a peer that dialled this one may know nobody else, and the grid would stay split.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { ComponentLogger, Logger, Startable } from '@libp2p/interface'
import type { ConnectionManager } from '@libp2p/interface-internal'
import { backoffMs } from './backoff.ts'
import { BOOTSTRAP_CHECK_MS, DIAL_TIMEOUT_MS, MAX_BOOTSTRAP_BACKOFF_MS, MIN_BOOTSTRAP_BACKOFF_MS } from './constants-net.ts'

export interface BootstrapRedialInit {
  /** Multiaddrs ending in `/p2p/<peer id>`, as given to the bootstrap module. */
  list: readonly string[]
  /** Longest wait between two rounds of dials (default {@link MAX_BOOTSTRAP_BACKOFF_MS}). */
  maxBackoffMs?: number
  /** How often to check, once connected, that a bootstrap peer still is (default {@link BOOTSTRAP_CHECK_MS}). */
  checkMs?: number
}

export interface BootstrapRedialComponents {
  connectionManager: Pick<ConnectionManager, 'openConnection' | 'getConnections'>
  logger: ComponentLogger
}

/** The peer id a multiaddr ends with (its last /p2p component), if any. Throws on a malformed address. */
export function peerIdOfAddress (addr: string): string | undefined {
  return multiaddr(addr).getComponents().findLast((component) => component.name === 'p2p')?.value
}

/** Whether any peer of the bootstrap list is among the connected peers. */
export function reachedBootstrap (list: readonly string[], connectedPeers: ReadonlySet<string>): boolean {
  return list.some((addr) => connectedPeers.has(peerIdOfAddress(addr) ?? ''))
}

export class BootstrapRedial implements Startable {
  readonly #components: BootstrapRedialComponents
  readonly #list: readonly string[]
  readonly #maxBackoffMs: number
  readonly #checkMs: number
  readonly #log: Logger
  #timer: ReturnType<typeof setTimeout> | undefined
  #dials: AbortController | undefined
  #failedRounds = 0

  constructor (components: BootstrapRedialComponents, init: BootstrapRedialInit) {
    this.#components = components
    this.#list = init.list
    this.#maxBackoffMs = init.maxBackoffMs ?? MAX_BOOTSTRAP_BACKOFF_MS
    this.#checkMs = init.checkMs ?? BOOTSTRAP_CHECK_MS
    this.#log = components.logger.forComponent('peergrid:bootstrap-redial')
  }

  readonly [Symbol.toStringTag] = 'peergrid/bootstrap-redial'

  /** Whether one of the bootstrap peers is connected now. */
  get reached (): boolean {
    return reachedBootstrap(this.#list, new Set(this.#components.connectionManager.getConnections().map((c) => c.remotePeer.toString())))
  }

  /** Rounds of dials since a bootstrap peer was last connected. */
  get failedRounds (): number {
    return this.#failedRounds
  }

  start (): void {
    if (this.#list.length === 0) return
    this.#dials = new AbortController()
    // libp2p's bootstrap module makes the first round; this one follows its first backoff.
    this.#schedule(backoffMs(1, MIN_BOOTSTRAP_BACKOFF_MS, this.#maxBackoffMs))
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#dials?.abort()
    this.#dials = undefined
  }

  #schedule (delayMs: number): void {
    this.#timer = setTimeout(() => { this.#round() }, delayMs)
    this.#timer.unref?.()
  }

  #round (): void {
    const dials = this.#dials
    if (dials == null) return
    if (this.reached) {
      this.#failedRounds = 0
      this.#schedule(this.#checkMs)
      return
    }
    this.#failedRounds++
    this.#log('no bootstrap peer connected, dialling %d address(es) (round %d)', this.#list.length, this.#failedRounds)
    const signal = AbortSignal.any([dials.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)])
    for (const addr of this.#list) {
      this.#components.connectionManager.openConnection(multiaddr(addr), { signal })
        .catch((err: Error) => { this.#log('bootstrap peer %s unreachable: %s', addr, err.message) })
    }
    this.#schedule(backoffMs(this.#failedRounds + 1, MIN_BOOTSTRAP_BACKOFF_MS, this.#maxBackoffMs))
  }
}

/** The service behind `node.services.bootstrapRedial`. */
export function bootstrapRedial (init: BootstrapRedialInit): (components: BootstrapRedialComponents) => BootstrapRedial {
  return (components) => new BootstrapRedial(components, init)
}
