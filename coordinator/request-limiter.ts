/**
 * Per-peer limits on the work protocol: a token bucket on requests (a steady rate with some
 * burst) and a cap on open work streams. A peer over either is refused with BUSY; the first
 * refusal of each flood, and every FLOOD_PENALTY_EVERY-th after it, costs it reputation, so
 * flooding is never free. A flood ends once the peer lets its bucket fill to half again.
 */

export interface RateLimit {
  /** Requests per second a peer may keep up. */
  readonly ratePerSecond: number
  /** Requests a peer may send at once after a quiet spell. */
  readonly burst: number
}

export interface Bucket {
  readonly tokens: number
  readonly atMs: number
}

export type Admission =
  | { readonly admitted: true, readonly bucket: Bucket }
  | { readonly admitted: false, readonly bucket: Bucket, readonly retryAfterMs: number }

/** Takes one token if there is one, after refilling for the time since the last request. Pure. */
export function take (bucket: Bucket | undefined, now: number, limit: RateLimit): Admission {
  const elapsed = bucket == null ? Infinity : Math.max(0, now - bucket.atMs)
  const tokens = Math.min(limit.burst, (bucket?.tokens ?? limit.burst) + elapsed * limit.ratePerSecond / 1000)
  if (tokens >= 1) return { admitted: true, bucket: { tokens: tokens - 1, atMs: now } }
  return { admitted: false, bucket: { tokens, atMs: now }, retryAfterMs: Math.ceil((1 - tokens) * 1000 / limit.ratePerSecond) }
}

export type Verdict =
  | { readonly admitted: true }
  /** `flood` is true for the refusals that cost reputation: the first of a flood, then every FLOOD_PENALTY_EVERY-th. */
  | { readonly admitted: false, readonly retryAfterMs: number, readonly flood: boolean }

/** Refusals in one flood between two reputation penalties. */
export const FLOOD_PENALTY_EVERY = 1000

/** Refusals of the flood under way (0: none), and open streams. */
interface PeerEntry { bucket: Bucket | undefined, refused: number, streams: number }

/** Peers idle this long with a full bucket are forgotten, so the map stays as small as the live set. */
const FORGET_AFTER_MS = 60_000

export class RequestLimiter {
  readonly #limit: RateLimit
  readonly #maxStreams: number
  readonly #peers = new Map<string, PeerEntry>()
  #sweptAt = 0

  constructor (limit: RateLimit, maxStreams: number) {
    this.#limit = limit
    this.#maxStreams = maxStreams
  }

  #entry (peer: string): PeerEntry {
    let entry = this.#peers.get(peer)
    if (entry == null) {
      entry = { bucket: undefined, refused: 0, streams: 0 }
      this.#peers.set(peer, entry)
    }
    return entry
  }

  /** Counts one request of `peer`. */
  admit (peer: string, now: number): Verdict {
    this.#sweep(now)
    const entry = this.#entry(peer)
    const result = take(entry.bucket, now, this.#limit)
    entry.bucket = result.bucket
    if (result.admitted) {
      // A token now and then during a flood does not end it; a calm spell does.
      if (result.bucket.tokens + 1 >= this.#limit.burst / 2) entry.refused = 0
      return { admitted: true }
    }
    const flood = entry.refused % FLOOD_PENALTY_EVERY === 0
    entry.refused++
    return { admitted: false, retryAfterMs: result.retryAfterMs, flood }
  }

  /** Opens a work stream for `peer`; false when it already has the most it may have. */
  open (peer: string): boolean {
    const entry = this.#entry(peer)
    if (entry.streams >= this.#maxStreams) return false
    entry.streams++
    return true
  }

  close (peer: string): void {
    const entry = this.#peers.get(peer)
    if (entry != null && entry.streams > 0) entry.streams--
  }

  /** Peers tracked right now (for tests and metrics). */
  get size (): number { return this.#peers.size }

  #sweep (now: number): void {
    if (now - this.#sweptAt < FORGET_AFTER_MS) return
    this.#sweptAt = now
    for (const [peer, entry] of this.#peers) {
      if (entry.streams === 0 && entry.bucket != null && now - entry.bucket.atMs >= FORGET_AFTER_MS) this.#peers.delete(peer)
    }
  }
}
