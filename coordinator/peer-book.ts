/**
 * What a coordinator knows of every peer: reputation (kept in memory, written through to
 * the store with a history row per change), its network, and the pairs caught colluding.
 * Turns that knowledge into votes for credibility validation.
 */
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { networkOf, observedErrorRate, peerCredibility, type Vote } from './credibility.ts'
import { applyEvent, isYoung, NEW_REPUTATION, verified, type Reputation, type ReputationEvent } from './reputation.ts'
import type { Store } from './store.ts'

const log = logger('peergrid:reputation')

export interface PeerBookEvents {
  'peer:banned': [{ peer: string, reason: ReputationEvent }]
  'peer:changed': [{ peer: string, reputation: Reputation }]
}

const pairKey = (a: string, b: string): string => a < b ? `${a} ${b}` : `${b} ${a}`

export class PeerBook extends EventEmitter<PeerBookEvents> {
  readonly #store: Store
  readonly #peers = new Map<string, { reputation: Reputation, network: string }>()
  readonly #colluding = new Set<string>()

  readonly #bans: boolean
  /** What other coordinators report: the starting score of peers seen here for the first time. */
  prior: (peer: string) => number | undefined = () => undefined

  /** `bans: false` keeps counting but never bans: plain voting, for comparison. */
  constructor (store: Store, options: { bans?: boolean } = {}) {
    super()
    this.#store = store
    this.#bans = options.bans ?? true
    for (const { a, b } of store.collusions()) this.#colluding.add(pairKey(a, b))
  }

  #entry (peer: string): { reputation: Reputation, network: string } {
    let entry = this.#peers.get(peer)
    if (entry == null) {
      const row = this.#store.getPeer(peer)
      const reputation: Reputation = row == null
        ? { ...NEW_REPUTATION, score: this.prior(peer) ?? NEW_REPUTATION.score }
        : { valid: row.valid, invalid: row.invalid, errors: row.errors, timeouts: row.timeouts, spotPassed: row.spot_passed, spotFailed: row.spot_failed, score: row.score, state: row.state }
      entry = { reputation, network: networkOf(row?.address, peer) }
      this.#peers.set(peer, entry)
    }
    return entry
  }

  reputation (peer: string): Reputation {
    return this.#entry(peer).reputation
  }

  /** Records where a peer connects from (its network decides vote independence). */
  seen (peer: string, address: string | null, at: number): void {
    this.#store.touchPeer(peer, at, address)
    if (address != null) this.#entry(peer).network = networkOf(address, peer)
  }

  isBanned (peer: string): boolean {
    return this.#entry(peer).reputation.state === 'banned'
  }

  isYoung (peer: string): boolean {
    return isYoung(this.#entry(peer).reputation)
  }

  /** Applies an event; returns true when it banned the peer. */
  apply (peer: string, event: ReputationEvent, at: number): boolean {
    const entry = this.#entry(peer)
    const before = entry.reputation.state
    const next = applyEvent(entry.reputation, event)
    entry.reputation = this.#bans || next.state !== 'banned' || event === 'ban' ? next : { ...next, state: before }
    this.#store.savePeer(peer, entry.reputation, event, at)
    this.emit('peer:changed', { peer, reputation: entry.reputation })
    const banned = before !== 'banned' && entry.reputation.state === 'banned'
    if (banned) {
      log('banned %s after %s (%o)', peer, event, entry.reputation)
      this.emit('peer:banned', { peer, reason: event })
    }
    return banned
  }

  /** Peers that agreed on an answer later proven wrong never count as independent again. */
  markColluding (peers: readonly string[]): void {
    for (let i = 0; i < peers.length; i++) {
      for (let j = i + 1; j < peers.length; j++) {
        const key = pairKey(peers[i]!, peers[j]!)
        if (this.#colluding.has(key)) continue
        this.#colluding.add(key)
        this.#store.addCollusion(peers[i]!, peers[j]!)
      }
    }
  }

  readonly colluded = (a: string, b: string): boolean => this.#colluding.has(pairKey(a, b))

  vote (peer: string, maxMaliciousFraction: number): Vote {
    const { reputation, network } = this.#entry(peer)
    return {
      peer,
      network,
      young: isYoung(reputation),
      credibility: peerCredibility({ verified: verified(reputation), banned: reputation.state === 'banned' }, maxMaliciousFraction),
      errorRate: observedErrorRate({ verified: verified(reputation), invalid: reputation.invalid, banned: false })
    }
  }
}
