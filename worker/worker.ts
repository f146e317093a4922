/**
 * A volunteer worker: joins the network, hears job announcements from any coordinator,
 * pulls as many units as it has free threads (plus a small prefetch), runs them in the
 * engine and returns results. Coordinators that cannot be reached are retried with backoff.
 *
 * Threads are shared between coordinators by weight (`fair-share.ts`); the owner's budget
 * (`budget.ts`) throttles when units start and pauses the worker while the machine is busy
 * or outside its schedule. A paused worker pulls nothing and starts nothing; units already
 * running finish (a thread cannot be suspended mid-unit), and queued leases that could no
 * longer finish in time are handed back to their coordinators.
 */
import { EventEmitter } from 'node:events'
import { getHeapStatistics } from 'node:v8'
import { logger } from '@libp2p/logger'
import type { Message } from '@libp2p/gossipsub'
import { decodeJobAnnouncement } from '../protocols/announce.ts'
import { TOPICS } from '../protocols/ids.ts'
import { loadOrCreateIdentity } from '../protocols/identity.ts'
import { createPeerGridNode, multiaddrStrings, type PeerGridNode, type TransportName } from '../protocols/node.ts'
import { TOPIC_VALIDATORS } from '../protocols/topic-validators.ts'
import type { Lease, UnitResult } from '../protocols/work.ts'
import { Budget, systemBudgetClock, type BudgetClock, type BudgetInit, type BudgetPauseReason } from './budget.ts'
import { BUDGET_TICK_MS, DEFAULT_IDLE_RECHECK_MS, DEFAULT_PREFETCH_PER_THREAD, DEFAULT_UNIT_ESTIMATE_MS, HAND_BACK_AFTER_PAUSE_MS, MAX_PREFETCH, PREFETCH_WINDOW_MS, STOP_GRACE_MS, THREAD_HEAP_EVERY_MS, TICK_MS } from './constants.ts'
import { CoordinatorLink, linkRetryMs } from './coordinator-link.ts'
import { CoordinatorBook } from './coordinator-book.ts'
import { createEngine, validateEngineInit, type Engine, type EngineInit } from './engine.ts'
import { FairShare, planPulls } from './fair-share.ts'
import type { UnitOutcome } from './outcome.ts'
import { ReportQueue } from './report-queue.ts'
import type { CoordinatorStanding, PauseReason, WorkerMemory, WorkerState, WorkerStatus } from './status.ts'
import { shouldHandBack, UnitQueue } from './unit-queue.ts'

const log = logger('peergrid:worker')
const decoder = new TextDecoder()
const BUDGET_REASONS: readonly BudgetPauseReason[] = ['cpu-busy', 'schedule']

export interface WorkerInit extends EngineInit {
  dataDir: string
  bootstrap?: string[]
  listen?: string[]
  transports?: TransportName[]
  /** Leases queued beyond running ones; default: about PREFETCH_WINDOW_MS of work per thread, at least 2 per thread. */
  prefetch?: number
  idleRecheckMs?: number
  /** The owner's limits: CPU percent, idle-only mode, schedule. Default: none. */
  budget?: Omit<BudgetInit, 'threads'>
  /** Share of the threads per coordinator peer id; unlisted coordinators weigh 1, 0 is a backup. */
  weights?: ReadonlyMap<string, number>
  /** Test hook: simulated clocks and CPU counters for the budget. */
  budgetClock?: BudgetClock
  /** Test hook: rewrites outputs before they are reported (fixtures that lie). */
  tamper?: (lease: Lease, output: Uint8Array) => Uint8Array
}

export interface WorkerEvents {
  'unit:done': [{ coordinator: string, jobId: string, unitIndex: number, status: UnitOutcome['status'] }]
  'coordinator:found': [{ coordinator: string }]
  /** The worker paused, resumed, or its reasons for pausing changed. */
  'state': [WorkerState]
  /** Queued leases were handed back to a coordinator: paused too long to start them, or stopping. */
  'leases:released': [{ coordinator: string, count: number }]
}

interface QueuedLease { lease: Lease, link: CoordinatorLink, coordinator: string, receivedAt: number, timeoutMs: number }
interface RunningLease { item: QueuedLease, abort: AbortController, estimateMs: number }

export class Worker extends EventEmitter<WorkerEvents> {
  readonly #init: WorkerInit
  readonly #engine: Engine
  readonly #engineInit: Required<EngineInit>
  readonly #fixedPrefetch: number | undefined
  readonly #budget: Budget
  readonly #share = new FairShare()
  readonly #book = new CoordinatorBook()
  /** Moving average of unit wall time, which sizes the prefetch. */
  #unitMs: number | undefined
  readonly #links = new Map<string, CoordinatorLink>()
  readonly #queue = new UnitQueue<QueuedLease>()
  readonly #running = new Map<string, RunningLease>()
  readonly #reports = new Map<CoordinatorLink, ReportQueue>()
  /** Why the worker is paused, each with when it is expected to end if known. */
  readonly #pauses = new Map<PauseReason, number | undefined>()
  #pausedSince = 0
  #node: PeerGridNode | undefined
  #tick: NodeJS.Timeout | undefined
  #budgetTick: NodeJS.Timeout | undefined
  #throttle: NodeJS.Timeout | undefined
  #stopping = false
  #threadHeaps: WorkerMemory['threadHeaps'] = null
  #threadHeapsAt = 0
  readonly startedMs = Date.now()
  unitsDone = 0
  unitsFailed = 0
  leasesHandedBack = 0
  /** CPU time of the units that ran to a result, ms. */
  cpuMs = 0

  constructor (init: WorkerInit) {
    super()
    this.#init = init
    this.#engineInit = validateEngineInit(init)
    this.#engine = createEngine(init)
    this.#fixedPrefetch = init.prefetch
    for (const [peer, w] of init.weights ?? []) if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weights: ${peer} must weigh a number >= 0 (got ${w})`)
    this.#budget = new Budget({ ...init.budget, threads: this.#engine.threads }, init.budgetClock ?? systemBudgetClock())
  }

  get node (): PeerGridNode {
    if (this.#node == null) throw new Error('the worker is not started')
    return this.#node
  }

  get peerId (): string { return this.node.peerId.toString() }
  get multiaddrs (): string[] { return multiaddrStrings(this.node) }
  get threads (): number { return this.#engine.threads }
  get coordinators (): string[] { return [...this.#links.keys()] }
  get paused (): boolean { return this.#pauses.size > 0 }

  get state (): WorkerState {
    return { state: this.#stopping ? 'stopping' : this.paused ? 'paused' : 'running', pausedFor: [...this.#pauses.keys()].sort() }
  }

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
    this.#evaluateBudget()
    this.#budgetTick = setInterval(() => this.#evaluateBudget(), BUDGET_TICK_MS)
    this.#tick = setInterval(() => this.#housekeeping(), TICK_MS)
    log('worker %s started with %d threads', this.peerId, this.threads)
  }

  /** Stops pulling and starting units for `reason` until {@link resume} is called with it. */
  pause (reason: PauseReason, until?: number): void {
    const changed = !this.#pauses.has(reason)
    if (this.#pauses.size === 0) this.#pausedSince = Date.now()
    this.#pauses.set(reason, until)
    if (changed) {
      log('paused: %s', reason)
      this.emit('state', this.state)
    }
  }

  resume (reason: PauseReason): void {
    if (!this.#pauses.delete(reason)) return
    log('%s over', reason)
    this.emit('state', this.state)
    this.#pump()
  }

  /**
   * Records how a coordinator rates this worker (credit, reputation score and state) so that
   * `worker status` shows it. Every reply on the work stream carries it.
   */
  onCoordinatorStanding (coordinator: string, standing: CoordinatorStanding): void {
    this.#book.stand(coordinator, standing)
  }

  #evaluateBudget (): void {
    const { pauses } = this.#budget.evaluate()
    for (const reason of BUDGET_REASONS) {
      if (pauses.has(reason)) this.pause(reason, pauses.get(reason))
      else this.resume(reason)
    }
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
      const coordinator = announcement.coordinator
      link = new CoordinatorLink(this.node, coordinator, (standing) => { this.onCoordinatorStanding(coordinator, standing) })
      this.#links.set(link.id, link)
      this.#reports.set(link, new ReportQueue(link))
      this.#book.get(link.id) // listed in the status from the moment it is heard
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

  #weightOf (coordinator: string): number {
    return this.#init.weights?.get(coordinator) ?? 1
  }

  /** Pulls from coordinators with work while there is room, then feeds the engine. */
  #pump (): void {
    if (this.#stopping) return
    if (!this.paused) {
      const now = Date.now()
      const candidates = [...this.#links.values()].map((link) => ({
        id: link.id,
        weight: this.#weightOf(link.id),
        pullable: link.pulling === 0 && link.retryAt <= now && (link.hasWork || link.idleUntil <= now),
        held: this.#queue.sizeOf(link.id) + this.#book.get(link.id).running,
        pulling: link.pulling
      }))
      for (const { id, units } of planPulls(candidates, { slots: this.threads + this.prefetch, prefetch: this.prefetch })) {
        void this.#pull(this.#links.get(id)!, units)
      }
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
        for (const lease of response.body.leases) this.#queue.push({ lease, link, coordinator: link.id, receivedAt, timeoutMs: lease.timeoutMs })
      } else if (response.status === 'BUSY') {
        // Asked too often (or the coordinator is overloaded): back off like after a failure.
        link.retryAt = Date.now() + linkRetryMs(1)
        log('pull from %s refused: %s', link.id, response.message)
      } else {
        link.hasWork = false
        link.idleUntil = Date.now() + (this.#init.idleRecheckMs ?? DEFAULT_IDLE_RECHECK_MS)
        if (response.status !== 'NO_WORK') log('pull from %s refused: %s %s', link.id, response.status, response.message)
      }
    } catch (err) {
      link.failures++
      link.retryAt = Date.now() + linkRetryMs(link.failures)
      log('cannot pull from %s (%d failures): %s', link.id, link.failures, (err as Error).message)
    } finally {
      link.pulling -= max
    }
    this.#pump()
  }

  #runQueued (): void {
    while (!this.#stopping && !this.paused && this.#running.size < this.threads && this.#queue.size > 0) {
      const delay = this.#budget.dispatchDelay()
      if (delay > 0) {
        this.#throttle ??= setTimeout(() => { this.#throttle = undefined; this.#pump() }, delay)
        return
      }
      const coordinator = this.#share.pick(this.#queue.holders().map((id) => ({ id, weight: this.#weightOf(id) })))!
      const item = this.#queue.shift(coordinator)!
      const remaining = item.timeoutMs - (Date.now() - item.receivedAt)
      if (remaining <= 0) continue // the coordinator has re-issued it already
      const estimateMs = this.#unitMs ?? DEFAULT_UNIT_ESTIMATE_MS
      this.#share.charge(coordinator, this.#weightOf(coordinator), estimateMs)
      const running: RunningLease = { item, abort: new AbortController(), estimateMs }
      this.#running.set(item.lease.leaseId, running)
      this.#book.get(coordinator).running++
      void this.#execute(running, remaining)
    }
  }

  async #execute ({ item, abort, estimateMs }: RunningLease, timeoutMs: number): Promise<void> {
    const { lease, link } = item
    let outcome: UnitOutcome
    try {
      outcome = await this.#engine.run(lease.kind, JSON.parse(decoder.decode(lease.payload)), { timeoutMs, signal: abort.signal })
    } catch (err) {
      outcome = { status: 'error', message: (err as Error).message, wallMs: 0 }
    }
    this.#running.delete(lease.leaseId)
    const stats = this.#book.get(link.id)
    stats.running--
    if (outcome.status === 'cancelled') return // handed back by stop()
    // Correct the fair-share charge from the estimate to the thread time really used.
    this.#share.charge(link.id, this.#weightOf(link.id), outcome.wallMs - estimateMs)
    this.#unitMs = this.#unitMs == null ? outcome.wallMs : 0.8 * this.#unitMs + 0.2 * outcome.wallMs
    const result: UnitResult = outcome.status === 'ok'
      ? { leaseId: lease.leaseId, status: 'OK', output: this.#init.tamper?.(lease, outcome.output) ?? outcome.output, error: '', cpuMs: Math.round(outcome.cpuMs) }
      : { leaseId: lease.leaseId, status: outcome.status === 'timeout' ? 'TIMEOUT' : outcome.status === 'out-of-memory' ? 'OUT_OF_MEMORY' : 'ERROR', output: new Uint8Array(), error: outcome.status === 'error' ? outcome.message.slice(0, 1000) : '', cpuMs: 0 }
    this.unitsDone++
    stats.done++
    if (outcome.status === 'ok') {
      this.cpuMs += outcome.cpuMs
      stats.cpuMs += outcome.cpuMs
    } else {
      this.unitsFailed++
      stats.failed++
    }
    this.#reports.get(link)?.add(result)
    this.emit('unit:done', { coordinator: link.id, jobId: lease.jobId, unitIndex: lease.unitIndex, status: outcome.status })
    this.#pump()
  }

  #housekeeping (): void {
    const now = Date.now()
    for (const [link, reports] of this.#reports) if (link.retryAt <= now) reports.flush()
    this.#handBackStale(now)
    this.#measureThreadHeaps(now)
    this.#pump()
  }

  /** Unit threads answer about their heaps asynchronously, so the status shows the last answer. */
  #measureThreadHeaps (now: number): void {
    if (now - this.#threadHeapsAt < THREAD_HEAP_EVERY_MS) return
    this.#threadHeapsAt = now
    this.#engine.heapStatistics()
      .then((heaps) => { if (heaps != null && heaps.threads > 0) this.#threadHeaps = heaps })
      .catch((err: Error) => { log('could not measure the unit threads\' heaps: %s', err.message) })
  }

  /**
   * While paused, gives back the queued leases that could no longer finish before their
   * deadline, and every queued lease once the pause has lasted long enough not to be a blip.
   */
  #handBackStale (now: number): void {
    if (!this.paused || this.#stopping || this.#queue.size === 0) return
    let startAt = now
    for (const until of this.#pauses.values()) if (until !== undefined) startAt = Math.max(startAt, until)
    const unitMs = this.#unitMs ?? 0
    const all = now - this.#pausedSince >= HAND_BACK_AFTER_PAUSE_MS
    const stale = this.#queue.take((item) => all || shouldHandBack(item, startAt, unitMs))
    if (stale.length > 0) void this.#release(stale, AbortSignal.timeout(STOP_GRACE_MS))
  }

  /** Tells coordinators that these leases will not be run, so they re-issue them at once. */
  async #release (items: readonly QueuedLease[], signal: AbortSignal): Promise<void> {
    const byLink = new Map<CoordinatorLink, string[]>()
    for (const { link, lease } of items) byLink.set(link, [...(byLink.get(link) ?? []), lease.leaseId])
    this.leasesHandedBack += items.length
    await Promise.allSettled([...byLink].map(async ([link, ids]) => {
      this.emit('leases:released', { coordinator: link.id, count: ids.length })
      await link.release(ids, signal)
    }))
  }

  /** What `peergrid worker status` shows. */
  status (): WorkerStatus {
    const main = getHeapStatistics()
    const schedule = this.#pauses.get('schedule')
    const coordinators = this.#book.report((id) => ({
      weight: this.#weightOf(id),
      connected: this.#links.get(id)?.connected ?? false,
      unitsQueued: this.#queue.sizeOf(id)
    }))
    return {
      peerId: this.peerId,
      pid: process.pid,
      dataDir: this.#init.dataDir,
      startedMs: this.startedMs,
      ...this.state,
      resumesAtMs: schedule ?? null,
      throttled: this.#throttle != null,
      budget: { ...this.#budget.describe(), nice: this.#engineInit.niceIncrement, maxMemoryMb: this.#engineInit.maxMemoryMb },
      load: { workerPercent: this.#budget.workerPercent ?? null, otherPercent: this.#budget.otherPercent ?? null },
      units: { running: this.#running.size, queued: this.#queue.size, done: this.unitsDone, failed: this.unitsFailed, handedBack: this.leasesHandedBack },
      cpuMs: Math.round(this.cpuMs),
      credit: coordinators.reduce((sum, c) => sum + (c.credit ?? 0), 0),
      memory: {
        rssBytes: process.memoryUsage.rss(),
        mainHeap: { usedBytes: main.used_heap_size, committedBytes: main.total_heap_size },
        threadHeaps: this.#threadHeaps
      },
      coordinators
    }
  }

  /** Hands back queued and running leases, delivers finished results, and shuts down. */
  async stop (): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    this.pause('stopping')
    clearInterval(this.#tick)
    clearInterval(this.#budgetTick)
    clearTimeout(this.#throttle)
    const handBack = this.#queue.drain()
    for (const { item, abort } of this.#running.values()) { handBack.push(item); abort.abort() }
    const grace = AbortSignal.timeout(STOP_GRACE_MS)
    const deliveries = [...this.#reports.values()].map(async (r) => await r.drain(grace))
    await Promise.allSettled([...deliveries, this.#release(handBack, grace)])
    for (const link of this.#links.values()) link.close()
    await this.#engine.stop()
    await this.#node?.stop()
    log('worker stopped; %d leases handed back', handBack.length)
  }
}

export function createWorker (init: WorkerInit): Worker {
  return new Worker(init)
}
