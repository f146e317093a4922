/**
 * The scheduler owns the life of units: `waiting → leased → reported → accepted | failed`.
 * It leases units to pulling peers, records results, validates them by quorum, re-issues
 * expired leases and merges finished jobs. Each public call is one store transaction.
 */
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { getKind } from '../jobs/registry.ts'
import { withDefaults, type JobSpec, type ResolvedJobSpec } from '../jobs/spec.ts'
import { JobSlot, type UnitSlot } from './job-slot.ts'
import { pickForPeer } from './placement.ts'
import type { ResultStatus, Store } from './store.ts'

const log = logger('peergrid:scheduler')

export interface IssuedLease {
  id: string
  jobId: string
  kind: string
  unitIndex: number
  payload: string
  deadlineMs: number
  timeoutMs: number
}

export interface IncomingResult {
  leaseId: string
  status: Exclude<ResultStatus, 'invalid'>
  output?: Uint8Array
  cpuMs?: number
}

/** How the coordinator answered one result. */
export type ResultAck = 'OK' | 'NOT_FOUND' | 'LEASE_EXPIRED'

export interface SchedulerEvents {
  'job:added': [{ jobId: string }]
  'unit:accepted': [{ jobId: string, unitIndex: number, peers: string[] }]
  'job:finished': [{ jobId: string, state: 'completed' | 'failed' | 'cancelled' }]
  'lease:expired': [{ leaseId: string, peer: string }]
}

interface LiveLease { id: string, peer: string, job: JobSlot, unit: UnitSlot, deadlineMs: number }

export type Clock = () => number

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly #store: Store
  readonly #now: Clock
  readonly #jobs = new Map<string, JobSlot>()
  readonly #leases = new Map<string, LiveLease>()
  #cursor = 0
  // Lease ids need only be unique: a result is honoured only from the peer that holds the lease.
  readonly #leasePrefix = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`
  #leaseCounter = 0

  constructor (store: Store, now: Clock = Date.now) {
    super()
    this.#store = store
    this.#now = now
  }

  /** Rebuilds the in-memory indexes from the store (start and restart). */
  load (): void {
    this.#jobs.clear()
    this.#leases.clear()
    for (const row of this.#store.jobsInState('running')) {
      const spec = withDefaults(JSON.parse(row.spec_json) as JobSpec)
      const units = this.#store.unitsOf(row.id)
      const job = new JobSlot(row.id, getKind(row.kind), spec, units.map((u) => u.payload_json))
      for (const result of this.#store.openResults(row.id)) {
        const unit = job.units[result.idx]!
        unit.results.push(result.digest != null ? { peer: result.peer, digest: result.digest } : { peer: result.peer })
        unit.peers.add(result.peer)
        if (result.digest != null && result.output != null) unit.outputs.set(result.digest, result.output)
      }
      for (const u of units) {
        if (u.state === 'accepted' || u.state === 'failed' || u.state === 'cancelled') {
          if (u.state === 'failed') job.failed++
          job.close(job.units[u.idx]!)
        }
      }
      this.#jobs.set(row.id, job)
    }
    for (const lease of this.#store.activeLeases()) {
      const job = this.#jobs.get(lease.job_id)
      const unit = job?.units[lease.idx]
      if (job == null || unit == null || unit.done) continue
      unit.active.add(lease.id)
      unit.peers.add(lease.peer)
      this.#leases.set(lease.id, { id: lease.id, peer: lease.peer, job, unit, deadlineMs: lease.deadline_ms })
    }
    for (const job of this.#jobs.values()) {
      for (const unit of job.units) if (!unit.done) job.evaluate(unit)
      if (job.remaining === 0) this.#store.transaction(() => this.#finish(job))
    }
    log('loaded %d running jobs, %d active leases', this.#jobs.size, this.#leases.size)
  }

  /** Stores a validated job and its units; returns the job id. */
  addJob (spec: JobSpec, submitter: string): { jobId: string, units: number } {
    const resolved: ResolvedJobSpec = withDefaults(spec)
    const kind = getKind(resolved.kind)
    const payloads = kind.split(resolved.params, resolved.units).map((u) => JSON.stringify(u))
    const id = `j${Date.now().toString(36)}${randomBytes(4).toString('hex')}`
    this.#store.insertJob({ id, name: resolved.name, kind: kind.name, spec_json: JSON.stringify(spec), state: 'running', units_total: payloads.length, submitter, created_ms: this.#now() }, payloads)
    this.#jobs.set(id, new JobSlot(id, kind, resolved, payloads))
    log('job %s (%s) added with %d units', id, kind.name, payloads.length)
    this.emit('job:added', { jobId: id })
    return { jobId: id, units: payloads.length }
  }

  /** Running jobs that still have units to hand out, with how many. */
  openJobs (): Array<{ jobId: string, kind: string, waiting: number }> {
    return [...this.#jobs.values()].filter((j) => j.hasWork).map((j) => ({ jobId: j.id, kind: j.kind.name, waiting: j.waiting }))
  }

  /** Leases up to `max` units to `peer`, round-robin over running jobs. */
  lease (peer: string, max: number, jobIds: readonly string[] = []): IssuedLease[] {
    const jobs = [...this.#jobs.values()].filter((j) => j.hasWork && (jobIds.length === 0 || jobIds.includes(j.id)))
    if (jobs.length === 0 || max <= 0) return []
    const now = this.#now()
    const issued: IssuedLease[] = []
    this.#store.transaction(() => {
      for (let i = 0; i < jobs.length && issued.length < max; i++) {
        const job = jobs[(this.#cursor + i) % jobs.length]!
        for (const unit of pickForPeer(job.started, job.fresh, peer, max - issued.length)) {
          const id = `${this.#leasePrefix}${(this.#leaseCounter++).toString(36)}`
          const deadlineMs = now + job.spec.unitTimeoutMs
          this.#store.insertLease({ id, job_id: job.id, idx: unit.idx, peer, issued_ms: now, deadline_ms: deadlineMs, state: 'active' })
          unit.active.add(id)
          unit.peers.add(peer)
          job.evaluate(unit)
          this.#leases.set(id, { id, peer, job, unit, deadlineMs })
          issued.push({ id, jobId: job.id, kind: job.kind.name, unitIndex: unit.idx, payload: unit.payload, deadlineMs, timeoutMs: job.spec.unitTimeoutMs })
        }
      }
    })
    this.#cursor++
    return issued
  }

  /** Records results from `peer`; validates and possibly accepts their units. */
  report (peer: string, results: readonly IncomingResult[]): ResultAck[] {
    const now = this.#now()
    return this.#store.transaction(() => results.map((r) => this.#recordResult(peer, r, now)))
  }

  #recordResult (peer: string, r: IncomingResult, now: number): ResultAck {
    const lease = this.#leases.get(r.leaseId)
    if (lease == null || lease.peer !== peer) {
      const stored = this.#store.getLease(r.leaseId)
      if (stored == null || stored.peer !== peer) return 'NOT_FOUND'
      if (this.#store.hasResult(r.leaseId)) return 'LEASE_EXPIRED'
      const job = this.#jobs.get(stored.job_id)
      const unit = job?.units[stored.idx]
      // A late result still counts while its unit is open and this peer has not voted on it:
      // the work is done and one vote per peer holds. Otherwise it is kept for the record only.
      if (stored.state !== 'expired' || job == null || unit == null || unit.done || unit.results.some((x) => x.peer === peer)) {
        this.#store.insertResult({ lease_id: r.leaseId, job_id: stored.job_id, idx: stored.idx, peer, status: r.status, digest: null, output: null, counted: 0, cpu_ms: Math.round(r.cpuMs ?? 0), received_ms: now })
        return 'LEASE_EXPIRED'
      }
      unit.peers.add(peer)
      return this.#count(peer, r, job, unit, r.leaseId, now)
    }
    const { job, unit } = lease
    this.#leases.delete(lease.id)
    unit.active.delete(lease.id)
    this.#store.setLeaseState(lease.id, 'returned')
    return this.#count(peer, r, job, unit, lease.id, now)
  }

  #count (peer: string, r: IncomingResult, job: JobSlot, unit: UnitSlot, leaseId: string, now: number): ResultAck {
    let status: ResultStatus = r.status
    let digest: string | null = null
    if (r.status === 'ok') {
      try {
        job.kind.decodeOutput(r.output ?? new Uint8Array(), job.kind.parseUnit(JSON.parse(unit.payload)))
        digest = createHash('sha256').update(r.output ?? new Uint8Array()).digest('base64url')
        unit.outputs.set(digest, r.output ?? new Uint8Array())
      } catch (err) {
        status = 'invalid'
        log('peer %s returned a malformed output for %s/%d: %s', peer, job.id, unit.idx, (err as Error).message)
      }
    }
    this.#store.insertResult({ lease_id: leaseId, job_id: job.id, idx: unit.idx, peer, status, digest, output: digest != null ? r.output ?? null : null, counted: 1, cpu_ms: Math.round(r.cpuMs ?? 0), received_ms: now })
    this.#store.bumpJob(job.id, 'results_received')
    if (status === 'invalid') this.#store.bumpPeer(peer, 'invalid', now)
    else if (status !== 'ok') this.#store.bumpPeer(peer, status === 'timeout' ? 'timeouts' : 'errors', now)
    unit.results.push(digest != null ? { peer, digest } : { peer })
    // A failed attempt is not a vote: the peer may try this unit again (bounded by maxResults),
    // so that a unit is never stranded with only failed peers left to take it.
    if (digest == null && !unit.results.some((x) => x.peer === peer && x.digest != null)) unit.peers.delete(peer)
    this.#settle(job, unit, now)
    return 'OK'
  }

  #settle (job: JobSlot, unit: UnitSlot, now: number): void {
    const verdict = job.evaluate(unit)
    if (verdict.verdict === 'accept') {
      if (this.#store.acceptUnit(job.id, unit.idx, verdict.digest, unit.outputs.get(verdict.digest)!, now)) {
        this.#store.bumpJob(job.id, 'units_accepted')
        for (const r of unit.results) {
          if (r.digest === verdict.digest) this.#store.bumpPeer(r.peer, 'valid', now)
          else if (r.digest != null) this.#store.bumpPeer(r.peer, 'invalid', now)
        }
      }
      for (const id of unit.active) this.#dropLease(id, 'cancelled')
      job.close(unit)
      this.emit('unit:accepted', { jobId: job.id, unitIndex: unit.idx, peers: verdict.peers })
    } else if (verdict.verdict === 'fail') {
      this.#store.setUnitState(job.id, unit.idx, 'failed')
      this.#store.logUnitEvent(job.id, unit.idx, 'failed', now)
      this.#store.bumpJob(job.id, 'units_failed')
      job.failed++
      job.close(unit)
    }
    if (job.remaining === 0) this.#finish(job)
  }

  #dropLease (id: string, state: 'cancelled' | 'expired' | 'released'): void {
    const lease = this.#leases.get(id)
    if (lease == null) return
    this.#leases.delete(id)
    lease.unit.active.delete(id)
    this.#store.setLeaseState(id, state)
  }

  #finish (job: JobSlot): void {
    const now = this.#now()
    this.#jobs.delete(job.id)
    for (const [id, lease] of this.#leases) if (lease.job === job) this.#dropLease(id, 'cancelled')
    if (job.failed > 0) {
      this.#store.finishJob(job.id, 'failed', now, { error: `${job.failed} of ${job.units.length} units found no quorum within ${job.spec.maxResults} results` })
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
        const lease = this.#leases.get(id)
        if (lease == null || lease.peer !== peer) continue
        this.#dropLease(id, 'released')
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
    const due = [...this.#leases.values()].filter((l) => l.deadlineMs <= now)
    if (due.length === 0) return 0
    this.#store.transaction(() => {
      for (const lease of due) {
        this.#dropLease(lease.id, 'expired')
        // The unit may go back to this peer if nobody else takes it: a slow peer must not stall a unit.
        if (!lease.unit.results.some((r) => r.peer === lease.peer)) lease.unit.peers.delete(lease.peer)
        this.#store.bumpPeer(lease.peer, 'timeouts', now)
        this.#settle(lease.job, lease.unit, now)
      }
    })
    for (const lease of due) this.emit('lease:expired', { leaseId: lease.id, peer: lease.peer })
    return due.length
  }

  /** Stops a running job; outstanding leases are cancelled. Returns false when it was not running. */
  cancel (jobId: string): boolean {
    const job = this.#jobs.get(jobId)
    if (job == null) return false
    this.#store.transaction(() => {
      for (const [id, lease] of this.#leases) if (lease.job === job) this.#dropLease(id, 'cancelled')
      this.#store.cancelUnits(jobId)
      this.#store.finishJob(jobId, 'cancelled', this.#now(), { error: 'cancelled by request' })
    })
    this.#jobs.delete(jobId)
    this.emit('job:finished', { jobId, state: 'cancelled' })
    return true
  }

  get activeLeaseCount (): number { return this.#leases.size }
}
