/**
 * A volunteer worker: joins the network, hears job announcements from any coordinator,
 * pulls as many units as it has free threads (plus a small prefetch), runs them in the
 * engine and returns results. Coordinators that cannot be reached are retried with backoff.
 */
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Message } from '@libp2p/gossipsub'
import { decodeJobAnnouncement } from '../protocols/announce.ts'
import { TOPICS } from '../protocols/ids.ts'
import { loadOrCreateIdentity } from '../protocols/identity.ts'
import { createPeerGridNode, multiaddrStrings, type PeerGridNode, type TransportName } from '../protocols/node.ts'
import { TOPIC_VALIDATORS } from '../protocols/topic-validators.ts'
import type { Lease, UnitResult } from '../protocols/work.ts'
import { DEFAULT_IDLE_RECHECK_MS, DEFAULT_PREFETCH_PER_THREAD, MAX_PREFETCH, PREFETCH_WINDOW_MS, STOP_GRACE_MS, TICK_MS } from './constants.ts'
import { backoffMs, CoordinatorLink } from './coordinator-link.ts'
import { createEngine, type Engine, type EngineInit } from './engine.ts'
import type { UnitOutcome } from './outcome.ts'
import { ReportQueue } from './report-queue.ts'

const log = logger('peergrid:worker')
const decoder = new TextDecoder()

export interface WorkerInit extends EngineInit {
  dataDir: string
  bootstrap?: string[]
  listen?: string[]
  transports?: TransportName[]
  /** Leases queued beyond running ones; default: about PREFETCH_WINDOW_MS of work per thread, at least 2 per thread. */
  prefetch?: number
  idleRecheckMs?: number
  /** Test hook: rewrites outputs before they are reported (fixtures that lie). */
  tamper?: (lease: Lease, output: Uint8Array) => Uint8Array
}

export interface WorkerEvents {
  'unit:done': [{ coordinator: string, jobId: string, unitIndex: number, status: UnitOutcome['status'] }]
  'coordinator:found': [{ coordinator: string }]
}

interface QueuedLease { lease: Lease, link: CoordinatorLink, receivedAt: number }

export class Worker extends EventEmitter<WorkerEvents> {
  readonly #init: WorkerInit
  readonly #engine: Engine
  readonly #fixedPrefetch: number | undefined
  /** Moving average of unit wall time, which sizes the prefetch. */
  #unitMs: number | undefined
  readonly #links = new Map<string, CoordinatorLink>()
  readonly #queue: QueuedLease[] = []
  readonly #running = new Map<string, { item: QueuedLease, abort: AbortController }>()
  readonly #reports = new Map<CoordinatorLink, ReportQueue>()
  #node: PeerGridNode | undefined
  #tick: NodeJS.Timeout | undefined
  #stopping = false
  #bootstrapFailures = 0
  #bootstrapRetryAt = 0
  unitsDone = 0

  constructor (init: WorkerInit) {
    super()
    this.#init = init
    this.#engine = createEngine(init)
    this.#fixedPrefetch = init.prefetch
  }

  get node (): PeerGridNode {
    if (this.#node == null) throw new Error('the worker is not started')
    return this.#node
  }

  get peerId (): string { return this.node.peerId.toString() }
  get multiaddrs (): string[] { return multiaddrStrings(this.node) }
  get threads (): number { return this.#engine.threads }
  get coordinators (): string[] { return [...this.#links.keys()] }

  async start (): Promise<void> {
    const privateKey = await loadOrCreateIdentity(this.#init.dataDir)
    this.#engine.start()
    const node = this.#node = await createPeerGridNode({
      privateKey,
      listen: this.#init.listen ?? [],
      bootstrap: this.#init.bootstrap ?? [],
      ...(this.#init.transports != null ? { transports: this.#init.transports } : {}),
      pubsub: true,
      discovery: true,
      topicValidators: TOPIC_VALIDATORS,
      logPrefix: 'peergrid:worker'
    })
    node.services.pubsub.addEventListener('message', (event) => { void this.#onMessage(event.detail) })
    node.services.pubsub.subscribe(TOPICS.jobs)
    this.#tick = setInterval(() => this.#housekeeping(), TICK_MS)
    log('worker %s started with %d threads', this.peerId, this.threads)
  }

  async #onMessage (message: Message): Promise<void> {
    if (message.topic !== TOPICS.jobs || this.#stopping) return
    let announcement
    try {
      announcement = decodeJobAnnouncement(message.data)
    } catch {
      return
    }
    let link = this.#links.get(announcement.coordinator)
    if (link == null) {
      link = new CoordinatorLink(this.node, announcement.coordinator)
      this.#links.set(link.id, link)
      this.#reports.set(link, new ReportQueue(link))
      this.emit('coordinator:found', { coordinator: link.id })
      log('found coordinator %s', link.id)
    }
    await link.learn(announcement.addrs)
    if (announcement.unitsWaiting > 0) {
      link.hasWork = true
      link.idleUntil = 0
    }
    this.#pump()
  }

  get prefetch (): number {
    if (this.#fixedPrefetch != null) return this.#fixedPrefetch
    const floor = DEFAULT_PREFETCH_PER_THREAD * this.threads
    if (this.#unitMs == null) return floor
    return Math.min(MAX_PREFETCH, Math.max(floor, Math.ceil(this.threads * PREFETCH_WINDOW_MS / Math.max(this.#unitMs, 0.1))))
  }

  #capacity (): number {
    let requested = 0
    for (const link of this.#links.values()) requested += link.pulling
    return this.threads + this.prefetch - this.#queue.length - this.#running.size - requested
  }

  /** Pulls from coordinators with work while there is room, then feeds the engine. */
  #pump (): void {
    if (this.#stopping) return
    const now = Date.now()
    // Pull in batches (half the prefetch at least) rather than a unit per completion.
    const batch = Math.max(1, Math.floor(this.prefetch / 2))
    for (const link of this.#links.values()) {
      const free = this.#capacity()
      if (free < batch) break
      if (link.pulling > 0 || link.retryAt > now || (!link.hasWork && link.idleUntil > now)) continue
      void this.#pull(link, free)
    }
    this.#runQueued()
  }

  async #pull (link: CoordinatorLink, max: number): Promise<void> {
    link.pulling += max
    try {
      const response = await link.request({ type: 'pull', maxUnits: max, jobIds: [] })
      link.failures = 0
      if (response.status === 'OK' && response.body.type === 'leases') {
        const receivedAt = Date.now()
        for (const lease of response.body.leases) this.#queue.push({ lease, link, receivedAt })
      } else {
        link.hasWork = false
        link.idleUntil = Date.now() + (this.#init.idleRecheckMs ?? DEFAULT_IDLE_RECHECK_MS)
        if (response.status !== 'NO_WORK') log('pull from %s refused: %s %s', link.id, response.status, response.message)
      }
    } catch (err) {
      link.failures++
      link.retryAt = Date.now() + backoffMs(link.failures)
      log('cannot pull from %s (%d failures): %s', link.id, link.failures, (err as Error).message)
    } finally {
      link.pulling -= max
    }
    this.#pump()
  }

  #runQueued (): void {
    while (!this.#stopping && this.#running.size < this.threads && this.#queue.length > 0) {
      const item = this.#queue.shift()!
      const remaining = item.lease.timeoutMs - (Date.now() - item.receivedAt)
      if (remaining <= 0) continue // the coordinator has re-issued it already
      const abort = new AbortController()
      this.#running.set(item.lease.leaseId, { item, abort })
      void this.#execute(item, remaining, abort.signal)
    }
  }

  async #execute (item: QueuedLease, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const { lease, link } = item
    let outcome: UnitOutcome
    try {
      outcome = await this.#engine.run(lease.kind, JSON.parse(decoder.decode(lease.payload)), { timeoutMs, signal })
    } catch (err) {
      outcome = { status: 'error', message: (err as Error).message, wallMs: 0 }
    }
    this.#running.delete(lease.leaseId)
    if (outcome.status === 'cancelled') return // handed back by stop()
    this.#unitMs = this.#unitMs == null ? outcome.wallMs : 0.8 * this.#unitMs + 0.2 * outcome.wallMs
    const result: UnitResult = outcome.status === 'ok'
      ? { leaseId: lease.leaseId, status: 'OK', output: this.#init.tamper?.(lease, outcome.output) ?? outcome.output, error: '', cpuMs: Math.round(outcome.cpuMs) }
      : { leaseId: lease.leaseId, status: outcome.status === 'timeout' ? 'TIMEOUT' : outcome.status === 'out-of-memory' ? 'OUT_OF_MEMORY' : 'ERROR', output: new Uint8Array(), error: outcome.status === 'error' ? outcome.message.slice(0, 1000) : '', cpuMs: 0 }
    this.unitsDone++
    this.#reports.get(link)?.add(result)
    this.emit('unit:done', { coordinator: link.id, jobId: lease.jobId, unitIndex: lease.unitIndex, status: outcome.status })
    this.#pump()
  }

  #housekeeping (): void {
    const now = Date.now()
    for (const [link, reports] of this.#reports) if (link.retryAt <= now) reports.flush()
    this.#redialBootstrap(now)
    this.#pump()
  }

  /** Keeps trying the bootstrap list until connected, so a worker may start before its coordinator. */
  #redialBootstrap (now: number): void {
    const list = this.#init.bootstrap ?? []
    if (list.length === 0 || now < this.#bootstrapRetryAt || this.node.getConnections().length > 0) return
    this.#bootstrapRetryAt = now + backoffMs(++this.#bootstrapFailures)
    for (const addr of list) {
      this.node.dial(multiaddr(addr), { signal: AbortSignal.timeout(5_000) })
        .then(() => { this.#bootstrapFailures = 0 })
        .catch((err: Error) => { log('bootstrap %s unreachable: %s', addr, err.message) })
    }
  }

  /** Hands back queued and running leases, delivers finished results, and shuts down. */
  async stop (): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    clearInterval(this.#tick)
    const handBack = new Map<CoordinatorLink, string[]>()
    const give = (item: QueuedLease): void => {
      const ids = handBack.get(item.link) ?? []
      ids.push(item.lease.leaseId)
      handBack.set(item.link, ids)
    }
    for (const item of this.#queue.splice(0)) give(item)
    for (const { item, abort } of this.#running.values()) { give(item); abort.abort() }
    const grace = AbortSignal.timeout(STOP_GRACE_MS)
    const deliveries = [...this.#reports.values()].map(async (r) => await r.drain(grace))
    const releases = [...handBack].map(async ([link, leaseIds]) => {
      await Promise.race([link.request({ type: 'release', leaseIds }), new Promise((resolve) => grace.addEventListener('abort', resolve))])
    })
    await Promise.allSettled([...deliveries, ...releases])
    for (const link of this.#links.values()) link.close()
    await this.#engine.stop()
    await this.#node?.stop()
    log('worker stopped; %d leases handed back', [...handBack.values()].reduce((n, ids) => n + ids.length, 0))
  }
}

export function createWorker (init: WorkerInit): Worker {
  return new Worker(init)
}
