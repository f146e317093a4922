/**
 * Durable state of a coordinator in an embedded SQLite file (node:sqlite, WAL). Callers
 * group the writes of one state transition in {@link Store.transaction}, so a process
 * killed at any instant leaves either all of a transition or none of it.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './store-schema.ts'
import type { PeerState, Reputation } from './reputation.ts'

export type JobState = 'running' | 'completed' | 'failed' | 'cancelled'
export type UnitState = 'waiting' | 'leased' | 'reported' | 'accepted' | 'failed' | 'cancelled'
export type LeaseState = 'active' | 'returned' | 'expired' | 'released' | 'cancelled'
export type ResultStatus = 'ok' | 'invalid' | 'error' | 'timeout' | 'out-of-memory'

export interface JobRow {
  id: string
  name: string
  kind: string
  spec_json: string
  state: JobState
  units_total: number
  units_accepted: number
  units_failed: number
  results_received: number
  submitter: string
  created_ms: number
  finished_ms: number | null
  error: string | null
  result_json: string | null
  result_file_name: string | null
  result_media_type: string | null
}

/** Jobs in one state and their units, summed over the jobs. */
export interface JobTotals { state: JobState, jobs: number, units_accepted: number, units_failed: number, units_undecided: number }

export interface UnitRow { job_id: string, idx: number, payload_json: string, state: UnitState, digest: string | null, credit: number | null }
export interface LeaseRow { id: string, job_id: string, idx: number, peer: string, issued_ms: number, deadline_ms: number, state: LeaseState, spot: number }
export interface ResultRow { lease_id: string, job_id: string, idx: number, peer: string, status: ResultStatus, digest: string | null, output: Uint8Array | null, counted: number, cpu_ms: number, received_ms: number }
export interface PeerRow { id: string, first_seen_ms: number, last_seen_ms: number, address: string | null, valid: number, invalid: number, errors: number, timeouts: number, spot_passed: number, spot_failed: number, score: number, state: PeerState, credit: number }
export interface PeerHistoryRow { at_ms: number, event: string, score: number, state: PeerState }

export class StoreError extends Error {
  override name = 'StoreError'
}

// Revocation subtracts floating-point sums, so credit can land a hair below zero: read as zero.
const PEER_COLUMNS = 'id, first_seen_ms, last_seen_ms, address, valid, invalid, errors, timeouts, spot_passed, spot_failed, score, state, MAX(credit, 0) AS credit'
const JOB_COLUMNS = 'id, name, kind, spec_json, state, units_total, units_accepted, units_failed, results_received, submitter, created_ms, finished_ms, error, result_json, result_file_name, result_media_type'

export class Store {
  readonly path: string
  readonly #db: DatabaseSync
  readonly #stmts = new Map<string, StatementSync>()
  #depth = 0

  constructor (dataDir: string) {
    try {
      mkdirSync(dataDir, { recursive: true })
      this.path = join(dataDir, 'coordinator.db')
      this.#db = new DatabaseSync(this.path)
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
      this.#db.exec(SCHEMA)
    } catch (err) {
      throw new StoreError(`cannot open the coordinator database in ${dataDir}: ${(err as Error).message} (check that the directory is writable and not full, or pass another --data-dir)`)
    }
    const version = this.#get<{ value: string }>('SELECT value FROM meta WHERE key = ?', 'schema_version')?.value
    if (version == null) this.#run('INSERT INTO meta (key, value) VALUES (?, ?)', 'schema_version', String(SCHEMA_VERSION))
    else this.#migrate(Number(version))
  }

  /** Brings an older database up to SCHEMA_VERSION one step at a time, each step atomic. */
  #migrate (from: number): void {
    for (let version = from; version !== SCHEMA_VERSION; version++) {
      const step = MIGRATIONS[version]
      if (step == null || version > SCHEMA_VERSION) {
        throw new StoreError(`database ${this.path} has schema version ${from}; this coordinator understands ${SCHEMA_VERSION} and can upgrade from ${Object.keys(MIGRATIONS).join(', ')} (use a coordinator of the version that wrote it, or another --data-dir)`)
      }
      this.transaction(() => {
        this.#db.exec(step)
        this.#run('UPDATE meta SET value = ? WHERE key = ?', String(version + 1), 'schema_version')
      })
    }
  }

  close (): void {
    if (this.#db.isOpen) this.#db.close()
  }

  /** Runs `fn` atomically; nested calls join the outer transaction. */
  transaction<T> (fn: () => T): T {
    if (this.#depth > 0) return fn()
    this.#db.exec('BEGIN IMMEDIATE')
    this.#depth++
    try {
      const out = fn()
      this.#db.exec('COMMIT')
      return out
    } catch (err) {
      this.#db.exec('ROLLBACK')
      throw err
    } finally {
      this.#depth--
    }
  }

  #stmt (sql: string): StatementSync {
    let stmt = this.#stmts.get(sql)
    if (stmt == null) {
      stmt = this.#db.prepare(sql)
      this.#stmts.set(sql, stmt)
    }
    return stmt
  }

  #run (sql: string, ...params: Array<string | number | null | Uint8Array>): number {
    return Number(this.#stmt(sql).run(...params).changes)
  }

  #get<T> (sql: string, ...params: Array<string | number | null>): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined
  }

  #all<T> (sql: string, ...params: Array<string | number | null>): T[] {
    return this.#stmt(sql).all(...params) as T[]
  }

  // jobs

  insertJob (job: Omit<JobRow, 'units_accepted' | 'units_failed' | 'results_received' | 'finished_ms' | 'error' | 'result_json' | 'result_file_name' | 'result_media_type'>, payloads: string[]): void {
    this.transaction(() => {
      this.#run('INSERT INTO jobs (id, name, kind, spec_json, state, units_total, submitter, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        job.id, job.name, job.kind, job.spec_json, job.state, job.units_total, job.submitter, job.created_ms)
      payloads.forEach((payload, idx) => {
        this.#run("INSERT INTO units (job_id, idx, payload_json, state) VALUES (?, ?, ?, 'waiting')", job.id, idx, payload)
      })
    })
  }

  getJob (id: string): JobRow | undefined {
    return this.#get<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`, id)
  }

  /** The `limit` newest jobs, oldest of them first (reads `limit` rows through jobs_created). */
  newestJobs (limit: number): JobRow[] {
    return this.#all<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY created_ms DESC, id DESC LIMIT ?`, limit).reverse()
  }

  countJobs (): number {
    return this.#get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs')?.n ?? 0
  }

  /** Per job state, summed in SQLite: totals that cost no row per job ever run. */
  jobTotals (): JobTotals[] {
    return this.#all<JobTotals>(`SELECT state, COUNT(*) AS jobs, SUM(units_accepted) AS units_accepted, SUM(units_failed) AS units_failed,
      SUM(MAX(0, units_total - units_accepted - units_failed)) AS units_undecided FROM jobs GROUP BY state`)
  }

  jobsInState (state: JobState): JobRow[] {
    return this.#all<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE state = ? ORDER BY created_ms, id`, state)
  }

  countJobsOf (submitter: string, state: JobState): number {
    return this.#get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE submitter = ? AND state = ?', submitter, state)?.n ?? 0
  }

  bumpJob (id: string, field: 'units_accepted' | 'units_failed' | 'results_received', by = 1): void {
    this.#run(`UPDATE jobs SET ${field} = ${field} + ? WHERE id = ?`, by, id)
  }

  finishJob (id: string, state: Exclude<JobState, 'running'>, at: number, fields: { error?: string, resultJson?: string, file?: { name: string, mediaType: string, bytes: Uint8Array } } = {}): void {
    this.#run('UPDATE jobs SET state = ?, finished_ms = ?, error = ?, result_json = ?, result_file_name = ?, result_media_type = ?, result_file = ? WHERE id = ?',
      state, at, fields.error ?? null, fields.resultJson ?? null, fields.file?.name ?? null, fields.file?.mediaType ?? null, fields.file?.bytes ?? null, id)
  }

  resultFile (id: string): Uint8Array | undefined {
    return this.#get<{ result_file: Uint8Array | null }>('SELECT result_file FROM jobs WHERE id = ?', id)?.result_file ?? undefined
  }

  // units

  getUnit (jobId: string, idx: number): UnitRow | undefined {
    return this.#get<UnitRow>('SELECT job_id, idx, payload_json, state, digest, credit FROM units WHERE job_id = ? AND idx = ?', jobId, idx)
  }

  unitsOf (jobId: string): UnitRow[] {
    return this.#all<UnitRow>('SELECT job_id, idx, payload_json, state, digest, credit FROM units WHERE job_id = ? ORDER BY idx', jobId)
  }

  /** Only terminal states are stored; `leased` and `reported` are derived from leases and results. */
  setUnitState (jobId: string, idx: number, state: 'failed' | 'cancelled'): void {
    this.#run('UPDATE units SET state = ? WHERE job_id = ? AND idx = ?', state, jobId, idx)
  }

  /** Marks a unit accepted, worth `credit`; returns false (and changes nothing) when it already was. */
  acceptUnit (jobId: string, idx: number, digest: string, output: Uint8Array, at: number, credit: number | null = null): boolean {
    const changed = this.#run("UPDATE units SET state = 'accepted', digest = ?, output = ?, accepted_ms = ?, credit = ? WHERE job_id = ? AND idx = ? AND state NOT IN ('accepted', 'failed', 'cancelled')",
      digest, output, at, credit, jobId, idx)
    if (changed === 1) this.logUnitEvent(jobId, idx, 'accepted', at)
    return changed === 1
  }

  acceptedOutputs (jobId: string): Uint8Array[] {
    return this.#all<{ output: Uint8Array }>("SELECT output FROM units WHERE job_id = ? AND state = 'accepted' ORDER BY idx", jobId).map((r) => r.output)
  }

  cancelUnits (jobId: string): void {
    this.#run("UPDATE units SET state = 'cancelled' WHERE job_id = ? AND state NOT IN ('accepted', 'failed')", jobId)
  }

  logUnitEvent (jobId: string, idx: number, event: string, at: number): void {
    this.#run('INSERT INTO unit_events (job_id, idx, event, at_ms) VALUES (?, ?, ?, ?)', jobId, idx, event, at)
  }

  unitEventCounts (jobId: string, event: string): Array<{ idx: number, n: number }> {
    return this.#all('SELECT idx, COUNT(*) AS n FROM unit_events WHERE job_id = ? AND event = ? GROUP BY idx ORDER BY idx', jobId, event)
  }

  // leases

  insertLease (lease: LeaseRow): void {
    this.#run('INSERT INTO leases (id, job_id, idx, peer, issued_ms, deadline_ms, state, spot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      lease.id, lease.job_id, lease.idx, lease.peer, lease.issued_ms, lease.deadline_ms, lease.state, lease.spot)
  }

  getLease (id: string): LeaseRow | undefined {
    return this.#get<LeaseRow>('SELECT id, job_id, idx, peer, issued_ms, deadline_ms, state, spot FROM leases WHERE id = ?', id)
  }

  activeLeases (): LeaseRow[] {
    return this.#all<LeaseRow>("SELECT id, job_id, idx, peer, issued_ms, deadline_ms, state, spot FROM leases WHERE state = 'active'")
  }

  setLeaseState (id: string, state: LeaseState): void {
    this.#run('UPDATE leases SET state = ? WHERE id = ?', state, id)
  }

  cancelLeases (jobId: string): void {
    this.#run("UPDATE leases SET state = 'cancelled' WHERE job_id = ? AND state = 'active'", jobId)
  }

  // results

  insertResult (result: ResultRow): void {
    this.#run('INSERT INTO results (lease_id, job_id, idx, peer, status, digest, output, counted, cpu_ms, received_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      result.lease_id, result.job_id, result.idx, result.peer, result.status, result.digest, result.output, result.counted, result.cpu_ms, result.received_ms)
  }

  // credit

  /** Grants `credit` to every counted result of the unit that returned the accepted answer. */
  grantCredit (jobId: string, idx: number, digest: string, credit: number, at: number): void {
    if (!(credit > 0)) return
    this.#run('UPDATE results SET credit = ? WHERE job_id = ? AND idx = ? AND digest = ? AND counted = 1', credit, jobId, idx, digest)
    this.#run(`INSERT INTO peers (id, first_seen_ms, last_seen_ms, credit)
      SELECT peer, ?, ?, SUM(credit) FROM results WHERE job_id = ? AND idx = ? AND digest = ? AND counted = 1 GROUP BY peer
      ON CONFLICT (id) DO UPDATE SET credit = peers.credit + excluded.credit`, at, at, jobId, idx, digest)
  }

  /** Grants credit for one result (a passed spot-check: real work with a known answer). */
  creditResult (leaseId: string, peer: string, credit: number, at: number): void {
    if (!(credit > 0)) return
    this.#run('UPDATE results SET credit = ? WHERE lease_id = ?', credit, leaseId)
    this.#run(`INSERT INTO peers (id, first_seen_ms, last_seen_ms, credit) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET credit = peers.credit + excluded.credit`, peer, at, at, credit)
  }

  /** Takes back all credit granted for a unit's results (its accepted answer is in doubt). */
  revokeCredit (jobId: string, idx: number): void {
    this.#run(`UPDATE peers SET credit = credit - (SELECT SUM(r.credit) FROM results r WHERE r.job_id = ? AND r.idx = ? AND r.peer = peers.id)
      WHERE id IN (SELECT peer FROM results WHERE job_id = ? AND idx = ? AND credit > 0)`, jobId, idx, jobId, idx)
    this.#run('UPDATE results SET credit = 0 WHERE job_id = ? AND idx = ? AND credit > 0', jobId, idx)
  }

  peerCredit (id: string): number {
    return Math.max(0, this.#get<{ credit: number }>('SELECT credit FROM peers WHERE id = ?', id)?.credit ?? 0)
  }

  hasResult (leaseId: string): boolean {
    return this.#get('SELECT 1 AS x FROM results WHERE lease_id = ?', leaseId) != null
  }

  /** Counted results of the units of a job that are still open, for rebuilding the scheduler. */
  openResults (jobId: string): ResultRow[] {
    return this.#all<ResultRow>(`SELECT r.lease_id, r.job_id, r.idx, r.peer, r.status, r.digest, r.output, r.counted, r.cpu_ms, r.received_ms
      FROM results r JOIN units u ON u.job_id = r.job_id AND u.idx = r.idx
      WHERE r.job_id = ? AND r.counted = 1 AND u.state NOT IN ('accepted', 'failed', 'cancelled') ORDER BY r.received_ms`, jobId)
  }

  resultsOf (jobId: string): Array<Pick<ResultRow, 'idx' | 'peer' | 'status' | 'digest' | 'counted'>> {
    return this.#all('SELECT idx, peer, status, digest, counted FROM results WHERE job_id = ? ORDER BY idx, received_ms', jobId)
  }

  // peers

  touchPeer (id: string, at: number, address: string | null): void {
    this.#run(`INSERT INTO peers (id, first_seen_ms, last_seen_ms, address) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, address = COALESCE(excluded.address, peers.address)`, id, at, at, address)
  }

  getPeer (id: string): PeerRow | undefined {
    return this.#get<PeerRow>(`SELECT ${PEER_COLUMNS} FROM peers WHERE id = ?`, id)
  }

  /** Persists a peer's reputation after `event`, with a history row. */
  savePeer (id: string, r: Reputation, event: string, at: number): void {
    this.#run(`INSERT INTO peers (id, first_seen_ms, last_seen_ms, valid, invalid, errors, timeouts, spot_passed, spot_failed, score, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, valid = excluded.valid, invalid = excluded.invalid, errors = excluded.errors,
        timeouts = excluded.timeouts, spot_passed = excluded.spot_passed, spot_failed = excluded.spot_failed, score = excluded.score, state = excluded.state`,
    id, at, at, r.valid, r.invalid, r.errors, r.timeouts, r.spotPassed, r.spotFailed, r.score, r.state)
    this.#run('INSERT INTO peer_history (peer, at_ms, event, score, state) VALUES (?, ?, ?, ?, ?)', id, at, event, r.score, r.state)
  }

  peerHistory (id: string, limit = 1000): PeerHistoryRow[] {
    return this.#all<PeerHistoryRow>('SELECT at_ms, event, score, state FROM (SELECT seq, at_ms, event, score, state FROM peer_history WHERE peer = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq', id, limit)
  }

  addCollusion (a: string, b: string): void {
    const [x, y] = a < b ? [a, b] : [b, a]
    this.#run('INSERT OR IGNORE INTO collusions (a, b) VALUES (?, ?)', x, y)
  }

  collusions (): Array<{ a: string, b: string }> {
    return this.#all('SELECT a, b FROM collusions')
  }

  /** Accepted units whose canonical result this peer returned: what its ban re-opens. */
  acceptedBackedBy (peer: string): Array<{ job_id: string, idx: number }> {
    return this.#all(`SELECT DISTINCT r.job_id, r.idx FROM results r JOIN units u ON u.job_id = r.job_id AND u.idx = r.idx
      WHERE r.peer = ? AND r.counted = 1 AND u.state = 'accepted' AND r.digest = u.digest`, peer)
  }

  /** Stops counting every result of a peer on units that are not final. */
  discountOpenResults (peer: string): void {
    this.#run(`UPDATE results SET counted = 0 WHERE peer = ? AND counted = 1 AND EXISTS
      (SELECT 1 FROM units u WHERE u.job_id = results.job_id AND u.idx = results.idx AND u.state = 'waiting')`, peer)
  }

  /** Re-opens an accepted unit and stops counting the banned peer's results on it. */
  reopenUnit (jobId: string, idx: number, peer: string, at: number): void {
    this.revokeCredit(jobId, idx)
    this.#run("UPDATE units SET state = 'waiting', digest = NULL, output = NULL, accepted_ms = NULL, credit = NULL WHERE job_id = ? AND idx = ? AND state = 'accepted'", jobId, idx)
    this.#run('UPDATE results SET counted = 0 WHERE job_id = ? AND idx = ? AND peer = ?', jobId, idx, peer)
    this.#run("UPDATE jobs SET units_accepted = units_accepted - 1, state = 'running', finished_ms = NULL, result_json = NULL, result_file = NULL, result_file_name = NULL, result_media_type = NULL WHERE id = ?", jobId)
    this.logUnitEvent(jobId, idx, 'reopened', at)
  }

  /** Counted results of one unit with their outputs. */
  unitResults (jobId: string, idx: number): ResultRow[] {
    return this.#all<ResultRow>('SELECT lease_id, job_id, idx, peer, status, digest, output, counted, cpu_ms, received_ms FROM results WHERE job_id = ? AND idx = ? AND counted = 1 ORDER BY received_ms', jobId, idx)
  }

  /** Active leases of a job's units, for showing which units are out. */
  activeLeasesOf (jobId: string): Array<{ idx: number }> {
    return this.#all("SELECT idx FROM leases WHERE job_id = ? AND state = 'active'", jobId)
  }

  listPeers (): PeerRow[] {
    return this.#all<PeerRow>(`SELECT ${PEER_COLUMNS} FROM peers ORDER BY first_seen_ms, id`)
  }
}
