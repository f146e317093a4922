/**
 * The live feed: listens to the scheduler and the peer book, counts what the metrics need,
 * and pushes what changed to every browser as one coalesced `update` event at most every
 * {@link PUSH_INTERVAL_MS}. A once-a-second sweep also catches what no event announces
 * (a peer connecting, a result received) and closes the throughput window.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Reputation } from '../coordinator/reputation.ts'
import { currentStats, type DashboardSource } from './source.ts'
import { EventHub } from './sse.ts'
import { OutcomeCounter, ThroughputMeter, type OutcomeCounts, type ThroughputSample } from './telemetry.ts'
import { Throttle } from './throttle.ts'
import { jobSummary, peerSummary, type JobSummary, type PeerSummary, type Stats } from './views.ts'

/** At most five pushes a second. */
export const PUSH_INTERVAL_MS = 200
export const SAMPLE_INTERVAL_MS = 1_000

/** The payload of one `update` event: what changed, and the stats as they are now. */
export interface LiveUpdate {
  peers?: PeerSummary[]
  jobs?: JobSummary[]
  stats: Stats & { outcomes: OutcomeCounts }
  /** The throughput window closed since the last update. */
  sample?: ThroughputSample
}

export class LiveFeed {
  readonly meter = new ThroughputMeter()
  readonly outcomes = new OutcomeCounter()
  readonly #source: DashboardSource
  readonly #hub: EventHub
  readonly #throttle: Throttle
  readonly #dirtyPeers = new Set<string>()
  readonly #dirtyJobs = new Set<string>()
  /** What each browser last got, so the sweep sends only real changes. */
  readonly #sentPeers = new Map<string, string>()
  readonly #sentJobs = new Map<string, string>()
  #sample: ThroughputSample | undefined
  #sampler: NodeJS.Timeout | undefined
  readonly #unsubscribe: Array<() => void> = []

  constructor (source: DashboardSource, options: { pushIntervalMs?: number } = {}) {
    this.#source = source
    this.#hub = new EventHub()
    this.#throttle = new Throttle(options.pushIntervalMs ?? PUSH_INTERVAL_MS, () => { this.#flush() })
  }

  get clients (): number { return this.#hub.size }

  start (): void {
    const { scheduler, store } = this.#source
    for (const row of store.listPeers()) {
      this.outcomes.seed(row.id, { valid: row.valid, invalid: row.invalid, errors: row.errors, timeouts: row.timeouts, spotPassed: row.spot_passed, spotFailed: row.spot_failed })
    }
    const onAccepted = ({ jobId }: { jobId: string }): void => { this.meter.count(); this.#jobChanged(jobId) }
    const onJob = ({ jobId }: { jobId: string }): void => { this.#jobChanged(jobId) }
    const onPeer = ({ peer, reputation }: { peer: string, reputation: Reputation }): void => {
      this.outcomes.observe(peer, reputation)
      this.#dirtyPeers.add(peer)
      this.#throttle.request()
    }
    scheduler.on('unit:accepted', onAccepted)
    scheduler.on('unit:reopened', onJob)
    scheduler.on('job:added', onJob)
    scheduler.on('job:finished', onJob)
    scheduler.peers.on('peer:changed', onPeer)
    this.#unsubscribe.push(() => {
      scheduler.off('unit:accepted', onAccepted)
      scheduler.off('unit:reopened', onJob)
      scheduler.off('job:added', onJob)
      scheduler.off('job:finished', onJob)
      scheduler.peers.off('peer:changed', onPeer)
    })
    this.#sampler = setInterval(() => { this.sweep(Date.now()) }, SAMPLE_INTERVAL_MS)
    this.#sampler.unref()
    this.#hub.start()
  }

  stop (): void {
    clearInterval(this.#sampler)
    this.#throttle.cancel()
    for (const off of this.#unsubscribe.splice(0)) off()
    this.#hub.close()
  }

  attach (req: IncomingMessage, res: ServerResponse): boolean {
    return this.#hub.attach(req, res)
  }

  #jobChanged (jobId: string): void {
    this.#dirtyJobs.add(jobId)
    this.#throttle.request()
  }

  /** Closes the throughput window and queues whatever changed without an event. */
  sweep (atMs: number): void {
    this.#sample = this.meter.sample(atMs)
    if (this.#hub.size === 0) return
    const online = new Set(this.#source.connections())
    for (const row of this.#source.store.listPeers()) {
      if (this.#sentPeers.get(row.id) !== JSON.stringify(peerSummary(row, online.has(row.id)))) this.#dirtyPeers.add(row.id)
    }
    // Only running jobs change without an event (results received); a job that finishes or
    // comes back announces it. So the sweep costs the open jobs, not every job ever run.
    for (const row of this.#source.store.jobsInState('running')) {
      if (this.#sentJobs.get(row.id) !== JSON.stringify(jobSummary(row))) this.#dirtyJobs.add(row.id)
    }
    this.#throttle.request()
  }

  #flush (): void {
    if (this.#hub.size === 0) {
      // Nobody follows: a browser that connects loads a snapshot first.
      this.#dirtyPeers.clear()
      this.#dirtyJobs.clear()
      this.#sample = undefined
      return
    }
    const { store } = this.#source
    // Stats are read fresh with every push, so they never disagree with the rows beside them.
    const update: LiveUpdate = { stats: { ...currentStats(this.#source, this.meter, Date.now()), outcomes: this.outcomes.totals() } }
    if (this.#dirtyPeers.size > 0) {
      const online = new Set(this.#source.connections())
      update.peers = []
      for (const id of this.#dirtyPeers) {
        const row = store.getPeer(id)
        if (row == null) continue
        const summary = peerSummary(row, online.has(id))
        this.#sentPeers.set(id, JSON.stringify(summary))
        update.peers.push(summary)
      }
      this.#dirtyPeers.clear()
    }
    if (this.#dirtyJobs.size > 0) {
      update.jobs = []
      for (const id of this.#dirtyJobs) {
        const row = store.getJob(id)
        if (row == null) continue
        const summary = jobSummary(row)
        // The sweep never compares a finished job again: remembering it would only grow.
        if (row.state === 'running') this.#sentJobs.set(id, JSON.stringify(summary))
        else this.#sentJobs.delete(id)
        update.jobs.push(summary)
      }
      this.#dirtyJobs.clear()
    }
    if (this.#sample != null) update.sample = this.#sample
    this.#sample = undefined
    this.#hub.send('update', update)
  }
}
