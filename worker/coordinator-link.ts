/**
 * A worker's link to one coordinator: one long-lived `/peergrid/work/1.0.0` stream on which
 * requests are pipelined and replies arrive in request order. A lost stream fails what was
 * pending and is reopened on the next request, after a backoff that grows with failures.
 */
import { logger } from '@libp2p/logger'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { backoffMs } from '../protocols/backoff.ts'
import { PROTOCOLS } from '../protocols/ids.ts'
import { MAX_FRAME_BYTES, MAX_UNITS_PER_FRAME } from '../protocols/constants.ts'
import type { PeerGridNode } from '../protocols/node.ts'
import { openStream, type FramedStream } from '../protocols/stream.ts'
import { decodeWorkResponse, encodeWorkRequest, type Standing, type WorkRequest, type WorkResponse } from '../protocols/work.ts'
import { MAX_BACKOFF_MS, MIN_BACKOFF_MS, DIAL_TIMEOUT_MS, REPLY_TIMEOUT_MS } from './constants.ts'

const log = logger('peergrid:worker:link')

export class LinkLostError extends Error {
  override name = 'LinkLostError'
}

/** How long to wait before trying a coordinator again after `failures` failures in a row. */
export function linkRetryMs (failures: number): number {
  return backoffMs(failures, MIN_BACKOFF_MS, MAX_BACKOFF_MS)
}

export class CoordinatorLink {
  readonly peerId: PeerId
  readonly #node: PeerGridNode
  #frames: FramedStream | undefined
  #opening: Promise<FramedStream> | undefined
  readonly #pending: Array<PromiseWithResolvers<WorkResponse>> = []
  /** Whether the coordinator said (or announced) it has units for us. */
  hasWork = true
  /** Consecutive failures to reach the coordinator. */
  failures = 0
  /** Not before this time (ms) is the coordinator tried again after a failure. */
  retryAt = 0
  /** After "no work", not before this time (ms) unless an announcement says otherwise. */
  idleUntil = 0
  /** Pull requests in flight. */
  pulling = 0

  readonly #onStanding: (standing: Standing) => void

  /** `onStanding` hears every standing (credit, reputation) the coordinator reports. */
  constructor (node: PeerGridNode, peerId: string, onStanding: (standing: Standing) => void = () => {}) {
    this.#node = node
    this.peerId = peerIdFromString(peerId)
    this.#onStanding = onStanding
  }

  get id (): string { return this.peerId.toString() }

  /** Remembers addresses heard in an announcement so that the coordinator can be dialled. */
  async learn (addrs: readonly Uint8Array[]): Promise<void> {
    const multiaddrs: Multiaddr[] = []
    for (const bytes of addrs) {
      try { multiaddrs.push(multiaddr(bytes)) } catch { /* an address we cannot parse is skipped */ }
    }
    if (multiaddrs.length > 0) await this.#node.peerStore.merge(this.peerId, { multiaddrs })
  }

  get connected (): boolean { return this.#frames != null }

  async request (request: WorkRequest): Promise<WorkResponse> {
    const frames = await this.#open()
    const waiter = Promise.withResolvers<WorkResponse>()
    this.#pending.push(waiter)
    // A reply that never comes (a half-dead connection) must not wedge the worker.
    const timer = setTimeout(() => { if (this.#frames === frames) this.#lost(new LinkLostError(`no reply from the coordinator within ${REPLY_TIMEOUT_MS} ms`)) }, REPLY_TIMEOUT_MS)
    try {
      await frames.write(encodeWorkRequest(request))
    } catch (err) {
      this.#lost(err)
    }
    try {
      return await waiter.promise
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Hands leases back so the coordinator re-issues them at once; gives up quietly when
   * `signal` fires (they then expire at their deadline, which costs only time).
   */
  async release (leaseIds: readonly string[], signal: AbortSignal): Promise<void> {
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
    for (let i = 0; i < leaseIds.length && !signal.aborted; i += MAX_UNITS_PER_FRAME) {
      const batch = leaseIds.slice(i, i + MAX_UNITS_PER_FRAME)
      try {
        await Promise.race([this.request({ type: 'release', leaseIds: batch }), aborted])
      } catch (err) {
        log('could not hand back %d leases to %s: %s', batch.length, this.id, (err as Error).message)
      }
    }
  }

  async #open (): Promise<FramedStream> {
    if (this.#frames != null) return this.#frames
    this.#opening ??= (async () => {
      try {
        const frames = await openStream(this.#node, this.peerId, PROTOCOLS.work, { maxFrameSize: MAX_FRAME_BYTES.workResponse, signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        this.#frames = frames
        void this.#readLoop(frames)
        log('work stream to %s open', this.id)
        return frames
      } finally {
        this.#opening = undefined
      }
    })()
    return await this.#opening
  }

  async #readLoop (frames: FramedStream): Promise<void> {
    try {
      for await (const frame of frames) {
        const waiter = this.#pending.shift()
        if (waiter == null) throw new LinkLostError('the coordinator sent a reply nobody asked for')
        try {
          const response = decodeWorkResponse(frame)
          if (response.standing != null) this.#onStanding(response.standing)
          waiter.resolve(response)
        } catch (err) {
          waiter.reject(err)
          throw err
        }
      }
      if (this.#frames === frames) this.#lost(new LinkLostError('the coordinator closed the work stream'))
    } catch (err) {
      if (this.#frames === frames) this.#lost(err)
    }
  }

  #lost (err: unknown): void {
    const frames = this.#frames
    this.#frames = undefined
    const error = err instanceof Error ? err : new LinkLostError(String(err))
    frames?.abort(error)
    for (const waiter of this.#pending.splice(0)) waiter.reject(error)
    log('work stream to %s lost: %s', this.id, error.message)
  }

  close (): void {
    const frames = this.#frames
    this.#frames = undefined
    for (const waiter of this.#pending.splice(0)) waiter.reject(new LinkLostError('the worker is stopping'))
    void frames?.close().catch(() => {})
  }
}
