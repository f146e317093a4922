/**
 * The scheduler owns the life of units: `waiting → leased → reported → accepted | failed`.
 * It leases units (and spot-checks) to pulling peers, records results, validates them by
 * quorum or credibility, keeps reputations, bans liars and backtracks what they touched,
 * re-issues expired leases and merges finished jobs. Each public call is one transaction.
 */
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { getKind } from '../jobs/registry.ts'
import { withDefaults, type JobSpec, type ResolvedJobSpec } from '../jobs/spec.ts'
import { JobSlot, type UnitSlot } from './job-slot.ts'
import { judgeFor } from './judge.ts'
import { PeerBook } from './peer-book.ts'
import { pickForPeer } from './placement.ts'
import { SpotCheckPool, spotCheckRate, type SpotEntry } from './spot-checks.ts'
import { SpotLeases } from './spot-leases.ts'
import { WorkLeases } from './work-leases.ts'
import type { JobRow, ResultStatus, Store } from './store.ts'
import type { Clock, IncomingResult, IssuedLease, ResultAck, SchedulerEvents } from './scheduler-types.ts'

export type { Clock, IncomingResult, IssuedLease, ResultAck, SchedulerEvents } from './scheduler-types.ts'

const log = logger('peergrid:scheduler')

const digestOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url')

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly peers: PeerBook
  readonly #store: Store
  readonly #now: Clock
  readonly #random: () => number
  readonly #jobs = new Map<string, JobSlot>()
  readonly #leases: WorkLeases
  readonly #spots: SpotLeases
  readonly #pool: SpotCheckPool
  #cursor = 0
  /** Set while a unit's verdicts are applied: the bans they raise wait for the unit to settle. */
  #deferredBans: string[] | undefined
  // Lease ids need only be unique: a result is honoured only from the peer that holds the lease.
  readonly #leasePrefix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`
  #leaseCounter = 0

  constructor (store: Store, now: Clock = Date.now, random: () => number = Math.random, options: { bans?: boolean } = {}) {
    super()
    this.#store = store
    this.#now = now
    this.#random = random
    this.#pool = new SpotCheckPool(random)
    this.peers = new PeerBook(store, options)
    this.#spots = new SpotLeases(store, this.peers)
    this.#leases = new WorkLeases(store)
    this.peers.on('peer:banned', ({ peer }) => {
      if (this.#deferredBans != null) this.#deferredBans.push(peer)
      else this.#onBanned(peer)
    })
  }

  #loadJob (row: JobRow): JobSlot {
    const spec = withDefaults(JSON.parse(row.spec_json) as JobSpec)
    const units = this.#store.unitsOf(row.id)
    const job = new JobSlot(row.id, getKind(row.kind), spec, units.map((u) => u.payload_json), judgeFor(spec, this.peers))
    for (const result of this.#store.openResults(row.id)) {
      const unit = job.units[result.idx]!
      unit.results.push(result.digest != null ? { peer: result.peer, digest: result.digest } : { peer: result.peer })
      unit.peers.add(result.peer)
      if (result.digest != null && result.output != null) unit.outputs.set(result.digest, result.output)
    }
    for (const u of units) {
      if (u.state === 'failed') job.failed++
      if (u.state !== 'waiting') job.close(job.units[u.idx]!)
    }
    this.#jobs.set(row.id, job)
    return job
  }

  /** Rebuilds the in-memory indexes from the store (start and restart). */
  load (): void {
    this.#jobs.clear()
    this.#leases.clear()
    this.#spots.clear()
    for (const row of this.#store.jobsInState('running')) this.#loadJob(row)
    for (const lease of this.#store.activeLeases()) {
      if (lease.spot === 1) {
        this.#spots.restore(lease)
        continue
      }
      const job = this.#jobs.get(lease.job_id)
      const unit = job?.units[lease.idx]
      if (job == null || unit == null || unit.done) continue
      this.#leases.restore(lease, job, unit)
    }
    for (const job of this.#jobs.values()) {
      for (const unit of job.units) if (!unit.done) job.evaluate(unit)
      if (job.remaining === 0) this.#store.transaction(() => this.#finish(job))
    }
    log('loaded %d running jobs, %d active leases', this.#jobs.size, this.#leases.size + this.#spots.size)
  }

  /** Stores a validated job and its units; returns the job id. */
  addJob (spec: JobSpec, submitter: string): { jobId: string, units: number } {
    const resolved: ResolvedJobSpec = withDefaults(spec)
    const kind = getKind(resolved.kind)
    const payloads = kind.split(resolved.params, resolved.units).map((u) => JSON.stringify(u))
    const id = `j${Date.now().toString(36)}${randomBytes(4).toString('hex')}`
    this.#store.insertJob({ id, name: resolved.name, kind: kind.name, spec_json: JSON.stringify(spec), state: 'running', units_total: payloads.length, submitter, created_ms: this.#now() }, payloads)
    this.#jobs.set(id, new JobSlot(id, kind, resolved, payloads, judgeFor(resolved, this.peers)))
    log('job %s (%s) added with %d units', id, kind.name, payloads.length)
    this.emit('job:added', { jobId: id })
    return { jobId: id, units: payloads.length }
  }

  /**
   * Accepts a unit on the coordinator's own computation (credibility 1): how a fresh grid
   * gets its first known answers for spot-checks.
   */
  addTrustedResult (jobId: string, idx: number, output: Uint8Array): boolean {
    const job = this.#jobs.get(jobId)
    const unit = job?.units[idx]
    if (job == null || unit == null || unit.done) return false
    const now = this.#now()
    const digest = digestOf(output)
    const credit = job.creditFor(unit, output)
    this.#store.transaction(() => {
      if (!this.#store.acceptUnit(job.id, idx, digest, output, now, credit)) return
      this.#store.bumpJob(job.id, 'units_accepted')
      for (const id of [...unit.active]) this.#leases.drop(id, 'cancelled')
      this.#pool.add({ jobId, idx, kind: job.kind.name, payload: unit.payload, digest, credit, peers: new Set() })
      job.close(unit)
      if (job.remaining === 0) this.#finish(job)
    })
    return true
  }

  /** Running jobs that still have units to hand out, with how many. */
  openJobs (): Array<{ jobId: string, kind: string, waiting: number }> {
    return [...this.#jobs.values()].filter((j) => j.hasWork).map((j) => ({ jobId: j.id, kind: j.kind.name, waiting: j.waiting }))
  }

  #newLeaseId (): string {
    return `${this.#leasePrefix}${(this.#leaseCounter++).toString(36)}`
  }

  /** Leases up to `max` units to `peer`, round-robin over running jobs, some of them spot-checks. */
  lease (peer: string, max: number, jobIds: readonly string[] = []): IssuedLease[] {
    if (this.peers.isBanned(peer)) return []
    const jobs = [...this.#jobs.values()].filter((j) => j.hasWork && (jobIds.length === 0 || jobIds.includes(j.id)))
    if (jobs.length === 0 || max <= 0) return []
    const now = this.#now()
    const issued: IssuedLease[] = []
    const rate = spotCheckRate(this.peers.reputation(peer))
    // Young peers' votes are one vote together: a second young replica of a unit buys nothing.
    const young = this.peers.isYoung(peer)
    const hasYoungVote = (unit: UnitSlot): boolean => unit.results.some((r) => this.peers.isYoung(r.peer)) ||
      [...unit.active].some((id) => { const holder = this.#leases.get(id)?.peer; return holder != null && this.peers.isYoung(holder) })
    const checking = jobs.some((j) => j.spec.validation === 'credibility')
    this.#store.transaction(() => {
      if (checking) {
        // Spot-checks first, each lease with the peer's rate: they look exactly like work. A
        // young peer proves itself on known answers only, while there are any, one at a time
        // (a liar under a fresh identity then costs one result, not a batch).
        for (let i = 0; i < (young ? 1 : max); i++) {
          if (!young && this.#random() >= rate) continue
          const spot = this.#pool.pick(peer)
          if (spot != null) issued.push(this.#issueSpot(peer, spot, jobs[0]!.spec.unitTimeoutMs, now))
        }
      }
      for (let i = 0; i < jobs.length && issued.length < max && !(young && issued.length > 0); i++) {
        const job = jobs[(this.#cursor + i) % jobs.length]!
        const allowed = young && job.spec.validation === 'credibility' ? (unit: UnitSlot) => !hasYoungVote(unit) : undefined
        for (const unit of pickForPeer(job.started, job.fresh, peer, max - issued.length, allowed)) {
          const { id, deadlineMs } = this.#leases.issue(this.#newLeaseId(), peer, job, unit, now)
          job.evaluate(unit)
          issued.push({ id, jobId: job.id, kind: job.kind.name, unitIndex: unit.idx, payload: unit.payload, deadlineMs, timeoutMs: job.spec.unitTimeoutMs })
        }
      }
      // A young peer with nothing it may take proves itself on known answers meanwhile.
      if (checking && young && issued.length === 0) {
        const spot = this.#pool.pick(peer)
        if (spot != null) issued.push(this.#issueSpot(peer, spot, jobs[0]!.spec.unitTimeoutMs, now))
      }
    })
    this.#cursor++
    return issued
  }

  #issueSpot (peer: string, entry: SpotEntry, timeoutMs: number, now: number): IssuedLease {
    const lease = this.#spots.issue(this.#newLeaseId(), peer, entry, timeoutMs, now)
    return { id: lease.id, jobId: entry.jobId, kind: entry.kind, unitIndex: entry.idx, payload: entry.payload, deadlineMs: lease.deadlineMs, timeoutMs }
  }

  /** Records results from `peer`; validates and possibly accepts their units. */
  report (peer: string, results: readonly IncomingResult[]): ResultAck[] {
    const now = this.#now()
    return this.#store.transaction(() => results.map((r) => this.#recordResult(peer, r, now)))
  }

  #recordResult (peer: string, r: IncomingResult, now: number): ResultAck {
    if (this.#spots.record(r.leaseId, peer, r, now)) return 'OK'
    const lease = this.#leases.get(r.leaseId)
    if (lease == null || lease.peer !== peer) {
      const stored = this.#store.getLease(r.leaseId)
      if (stored == null || stored.peer !== peer) return 'NOT_FOUND'
      if (this.#store.hasResult(r.leaseId)) return 'LEASE_EXPIRED'
      const job = this.#jobs.get(stored.job_id)
      const unit = job?.units[stored.idx]
      // A late result still counts while its unit is open and this peer has not voted on it:
      // the work is done and one vote per peer holds. Otherwise it is kept for the record only.
      if (stored.state !== 'expired' || stored.spot === 1 || this.peers.isBanned(peer) || job == null || unit == null || unit.done || unit.results.some((x) => x.peer === peer)) {
        this.#store.insertResult({ lease_id: r.leaseId, job_id: stored.job_id, idx: stored.idx, peer, status: r.status, digest: null, output: null, counted: 0, cpu_ms: Math.round(r.cpuMs ?? 0), received_ms: now })
        return 'LEASE_EXPIRED'
      }
      unit.peers.add(peer)
      return this.#count(peer, r, job, unit, r.leaseId, now)
    }
    this.#leases.take(lease.id)
    return this.#count(peer, r, lease.job, lease.unit, lease.id, now)
  }

  #count (peer: string, r: IncomingResult, job: JobSlot, unit: UnitSlot, leaseId: string, now: number): ResultAck {
    let status: ResultStatus = r.status
    let digest: string | null = null
    if (r.status === 'ok') {
      try {
        const parsed = job.kind.parseUnit(JSON.parse(unit.payload))
        const output = job.kind.decodeOutput(r.output ?? new Uint8Array(), parsed)
        digest = digestOf(r.output ?? new Uint8Array())
        unit.outputs.set(digest, r.output ?? new Uint8Array())
        if (job.kind.verify?.(parsed, output) === true) unit.proven = digest
      } catch (err) {
        status = 'invalid'
        log('peer %s returned a malformed output for %s/%d: %s', peer, job.id, unit.idx, (err as Error).message)
      }
    }
    this.#store.insertResult({ lease_id: leaseId, job_id: job.id, idx: unit.idx, peer, status, digest, output: digest != null ? r.output ?? null : null, counted: 1, cpu_ms: Math.round(r.cpuMs ?? 0), received_ms: now })
    this.#store.bumpJob(job.id, 'results_received')
    unit.results.push(digest != null ? { peer, digest } : { peer })
    // A failed attempt is not a vote: the peer may try this unit again (bounded by maxResults),
    // so that a unit is never stranded with only failed peers left to take it.
    if (digest == null && !unit.results.some((x) => x.peer === peer && x.digest != null)) unit.peers.delete(peer)
    if (status === 'invalid') this.peers.apply(peer, 'invalid', now)
    else if (status !== 'ok') this.peers.apply(peer, status === 'timeout' ? 'timeout' : 'error', now)
    if (!unit.done && job.remaining > 0) this.#settle(job, unit, now)
    return 'OK'
  }

  #settle (job: JobSlot, unit: UnitSlot, now: number): void {
    const verdict = job.evaluate(unit)
    let banned: string[] = []
    if (verdict.verdict === 'accept') {
      const output = unit.outputs.get(verdict.digest)!
      const credit = job.creditFor(unit, output)
      if (this.#store.acceptUnit(job.id, unit.idx, verdict.digest, output, now, credit)) {
        this.#store.bumpJob(job.id, 'units_accepted')
        this.#store.grantCredit(job.id, unit.idx, verdict.digest, credit, now)
        const losers = new Map<string, string[]>()
        for (const r of unit.results) {
          if (r.digest == null || r.digest === verdict.digest) continue
          losers.set(r.digest, [...(losers.get(r.digest) ?? []), r.peer])
        }
        for (const group of losers.values()) if (group.length > 1) this.peers.markColluding(group)
        if (job.spec.validation === 'credibility') {
          this.#pool.add({ jobId: job.id, idx: unit.idx, kind: job.kind.name, payload: unit.payload, digest: verdict.digest, credit, peers: new Set(unit.results.map((r) => r.peer)) })
        }
        banned = this.#applyVerdicts(unit, verdict.digest, now)
      }
      for (const id of [...unit.active]) this.#leases.drop(id, 'cancelled')
      job.close(unit)
      this.emit('unit:accepted', { jobId: job.id, unitIndex: unit.idx, peers: verdict.peers })
    } else if (verdict.verdict === 'fail') {
      this.#store.setUnitState(job.id, unit.idx, 'failed')
      this.#store.logUnitEvent(job.id, unit.idx, 'failed', now)
      this.#store.bumpJob(job.id, 'units_failed')
      job.failed++
      job.close(unit)
    }
    if (job.remaining === 0 && this.#jobs.has(job.id)) this.#finish(job)
    // Only now that the unit is settled: backtracking a ban may re-open it.
    for (const peer of banned) this.#onBanned(peer)
  }

  /** Applies each result's verdict to its peer's reputation; returns the peers this banned. */
  #applyVerdicts (unit: UnitSlot, digest: string, now: number): string[] {
    const banned: string[] = []
    this.#deferredBans = banned
    try {
      for (const r of unit.results) {
        if (r.digest === digest) this.peers.apply(r.peer, 'valid', now)
        else if (r.digest != null) this.peers.apply(r.peer, 'invalid', now)
      }
    } finally {
      this.#deferredBans = undefined
    }
    return banned
  }

  /**
   * A ban cancels the peer's leases, stops counting its open results and backtracks: every
   * accepted unit whose answer it backed is re-opened and decided again without it.
   */
  #onBanned (peer: string): void {
    const now = this.#now()
    this.#store.transaction(() => {
      // Their replicas must go out again.
      for (const lease of this.#leases.cancelWhere((l) => l.peer === peer)) lease.job.evaluate(lease.unit)
      this.#spots.drop(peer, 'cancelled')
      this.#pool.dropBackedBy(peer)
      this.#store.discountOpenResults(peer)
      const touched = new Set<JobSlot>()
      // Open units holding its results either still need replicas (started) or wait on
      // other peers' leases (need 0, so not in started): both lose its votes.
      const open = new Map<UnitSlot, JobSlot>()
      for (const job of this.#jobs.values()) for (const unit of job.started) open.set(unit, job)
      for (const lease of this.#leases.values()) open.set(lease.unit, lease.job)
      for (const [unit, job] of open) {
        if (unit.done || !unit.results.some((r) => r.peer === peer)) continue
        unit.results = unit.results.filter((r) => r.peer !== peer)
        touched.add(job)
      }
      for (const { job_id: jobId, idx } of this.#store.acceptedBackedBy(peer)) {
        this.#store.reopenUnit(jobId, idx, peer, now)
        let job = this.#jobs.get(jobId)
        if (job == null) {
          const row = this.#store.getJob(jobId)
          if (row == null) continue
          job = this.#loadJob(row) // a finished job comes back to running
        } else {
          const unit = job.units[idx]!
          job.reopen(unit)
          unit.results = []
          unit.outputs.clear()
          for (const result of this.#store.unitResults(jobId, idx)) {
            unit.results.push(result.digest != null ? { peer: result.peer, digest: result.digest } : { peer: result.peer })
            if (result.digest != null && result.output != null) unit.outputs.set(result.digest, result.output)
          }
        }
        touched.add(job)
        this.emit('unit:reopened', { jobId, unitIndex: idx })
      }
      for (const job of touched) {
        for (const unit of job.units) if (!unit.done) this.#settle(job, unit, now)
      }
    })
  }

  #finish (job: JobSlot): void {
    const now = this.#now()
    this.#jobs.delete(job.id)
    this.#leases.cancelWhere((l) => l.job === job)
    if (job.failed > 0) {
      this.#store.finishJob(job.id, 'failed', now, { error: `${job.failed} of ${job.units.length} units found no accepted result within ${job.spec.maxResults} results` })
    } else {
      const outputs = this.#store.acceptedOutputs(job.id).map((bytes, idx) => job.kind.decodeOutput(bytes, job.kind.parseUnit(JSON.parse(job.units[idx]!.payload))))
      const result = job.kind.merge(job.spec.params, outputs)
      this.#store.finishJob(job.id, 'completed', now, { resultJson: JSON.stringify(result.value), ...(result.file != null ? { file: result.file } : {}) })
    }
    log('job %s finished: %s', job.id, job.failed > 0 ? 'failed' : 'completed')
    this.emit('job:finished', { jobId: job.id, state: job.failed > 0 ? 'failed' : 'completed' })
  }

  /** Hands leases back unstarted (a worker shutting down); they go out again at once. */
  release (peer: string, leaseIds: readonly string[]): number {
    let released = 0
    this.#store.transaction(() => {
      for (const id of leaseIds) {
        if (this.#spots.drop(peer, 'released', id) > 0) { released++; continue }
        const lease = this.#leases.get(id)
        if (lease == null || lease.peer !== peer) continue
        this.#leases.drop(id, 'released')
        if (!lease.unit.results.some((r) => r.peer === peer)) lease.unit.peers.delete(peer)
        lease.job.evaluate(lease.unit)
        released++
      }
    })
    return released
  }

  /** Expires leases past their deadline; their units go to other peers. */
  expire (): number {
    const now = this.#now()
    const due = this.#leases.due(now)
    if (due.length === 0 && !this.#spots.hasDue(now)) return 0
    let dueSpots: Array<{ id: string, peer: string }> = []
    this.#store.transaction(() => {
      dueSpots = this.#spots.expire(now)
      for (const lease of due) {
        if (!this.#leases.drop(lease.id, 'expired')) continue
        // The unit may go back to this peer if nobody else takes it: a slow peer must not stall a unit.
        if (!lease.unit.results.some((r) => r.peer === lease.peer)) lease.unit.peers.delete(lease.peer)
        this.peers.apply(lease.peer, 'timeout', now)
        if (!lease.unit.done) this.#settle(lease.job, lease.unit, now)
      }
    })
    for (const lease of [...due, ...dueSpots]) this.emit('lease:expired', { leaseId: lease.id, peer: lease.peer })
    return due.length + dueSpots.length
  }

  /** Stops a running job; outstanding leases are cancelled. Returns false when it was not running. */
  cancel (jobId: string): boolean {
    const job = this.#jobs.get(jobId)
    if (job == null) return false
    this.#store.transaction(() => {
      this.#leases.cancelWhere((l) => l.job === job)
      this.#store.cancelUnits(jobId)
      this.#store.finishJob(jobId, 'cancelled', this.#now(), { error: 'cancelled by request' })
    })
    this.#jobs.delete(jobId)
    this.emit('job:finished', { jobId, state: 'cancelled' })
    return true
  }

  /** Records misbehaviour outside the work itself (a flood of requests) on the peer's reputation. */
  penalize (peer: string, event: 'flood'): void {
    this.#store.transaction(() => { this.peers.apply(peer, event, this.#now()) })
  }

  /** Bans or unbans a peer by an operator's decision. */
  setBanned (peer: string, banned: boolean): void {
    this.#store.transaction(() => { this.peers.apply(peer, banned ? 'ban' : 'unban', this.#now()) })
  }

  /** Credit the peer holds here: its accepted results' worth, in reference core-seconds. */
  creditOf (peer: string): number {
    return this.#store.peerCredit(peer)
  }

  get activeLeaseCount (): number { return this.#leases.size + this.#spots.size }
  get knownAnswers (): number { return this.#pool.size }
}
