/**
 * Coordinators tell each other, on `peergrid/reputation/1`, how the peers they know behave:
 * a signed summary on a heartbeat. What others say is kept per reporter (the newest report
 * wins) and serves only as a prior for peers this coordinator does not know yet.
 */
import { logger } from '@libp2p/logger'
import type { Message } from '@libp2p/gossipsub'
import { TOPICS } from '../protocols/ids.ts'
import type { PeerGridNode } from '../protocols/node.ts'
import { decodeReputationReport, encodeReputationReport, MAX_STANDINGS_PER_REPORT, type PeerStanding } from '../protocols/reputation.ts'
import { DEFAULT_REPORTER_TRUST, priorScore } from './reputation-prior.ts'
import { NEW_REPUTATION } from './reputation.ts'
import type { Store } from './store.ts'

const log = logger('peergrid:coordinator:reputation-gossip')

export const DEFAULT_REPUTATION_INTERVAL_MS = 10_000

export class ReputationGossip {
  readonly #node: PeerGridNode
  readonly #store: Store
  readonly #intervalMs: number
  readonly #trusted: ReadonlySet<string>
  /** reporter → (peer → standing) */
  readonly #reports = new Map<string, Map<string, PeerStanding>>()
  #timer: NodeJS.Timeout | undefined
  readonly #onMessage = (event: CustomEvent<Message>): void => { this.receive(event.detail) }

  constructor (node: PeerGridNode, store: Store, options: { intervalMs?: number, trusted?: readonly string[] } = {}) {
    this.#node = node
    this.#store = store
    this.#intervalMs = options.intervalMs ?? DEFAULT_REPUTATION_INTERVAL_MS
    this.#trusted = new Set(options.trusted ?? [])
  }

  start (): void {
    this.#node.services.pubsub.subscribe(TOPICS.reputation)
    this.#node.services.pubsub.addEventListener('message', this.#onMessage)
    this.#timer = setInterval(() => { void this.publish() }, this.#intervalMs)
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#node.services.pubsub.removeEventListener('message', this.#onMessage)
  }

  /** Publishes the standings of the most recently seen peers. */
  async publish (): Promise<void> {
    const rows = this.#store.listPeers().sort((a, b) => b.last_seen_ms - a.last_seen_ms).slice(0, MAX_STANDINGS_PER_REPORT)
    if (rows.length === 0) return
    const report = encodeReputationReport({
      coordinator: this.#node.peerId.toString(),
      timestampMs: Date.now(),
      peers: rows.map((r) => ({ peer: r.id, state: r.state, score: r.score, verified: r.valid + r.spot_passed, invalid: r.invalid }))
    })
    try {
      await this.#node.services.pubsub.publish(TOPICS.reputation, report)
    } catch (err) {
      log('publishing reputation failed: %s', (err as Error).message)
    }
  }

  receive (message: Message): void {
    if (message.topic !== TOPICS.reputation || message.type !== 'signed') return
    try {
      const report = decodeReputationReport(message.data)
      if (report.coordinator !== message.from.toString() || report.coordinator === this.#node.peerId.toString()) return
      this.#reports.set(report.coordinator, new Map(report.peers.map((p) => [p.peer, p])))
    } catch (err) {
      log('ignored a reputation report: %s', (err as Error).message)
    }
  }

  /** The prior score of a peer from others' reports, or undefined when none mentions it. */
  readonly prior = (peer: string): number | undefined => {
    const reports: Array<{ trust: number, standing: PeerStanding }> = []
    for (const [reporter, standings] of this.#reports) {
      const standing = standings.get(peer)
      if (standing != null) reports.push({ trust: this.#trusted.has(reporter) ? 1 : DEFAULT_REPORTER_TRUST, standing })
    }
    return priorScore(NEW_REPUTATION.score, reports)
  }
}
