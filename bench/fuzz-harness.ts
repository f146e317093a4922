/**
 * A real coordinator core for handler fuzzing: a temporary SQLite store, the scheduler, the
 * protocol services, and a second, read-only connection that watches the database the way
 * an auditor would (`PRAGMA data_version` moves only when the store commits a change).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { AdminService } from '../coordinator/admin-service.ts'
import { JobService } from '../coordinator/job-service.ts'
import { Scheduler } from '../coordinator/scheduler.ts'
import { Store } from '../coordinator/store.ts'
import { WorkService } from '../coordinator/work-service.ts'
import { getKind } from '../jobs/registry.ts'
import { seededRandom } from '../test/helpers/prng.ts'

/** The admin token of every fuzzed core: fixed, so that a case replays; shaped like a real one. */
export const ADMIN_TOKEN = 'bWFkZS11cC1hZG1pbi10b2tlbi1mdXp6'

export class CoordinatorCore {
  readonly dir: string
  readonly store: Store
  readonly scheduler: Scheduler
  readonly jobs: JobService
  readonly work: WorkService
  readonly admin: AdminService
  readonly #probe: DatabaseSync

  /**
   * `seed` fixes the scheduler's own choices (which leases are spot-checks), so a case replays;
   * `bans: false` keeps reputations but bans nobody automatically (operators still can).
   */
  constructor (seed: number, options: { bans?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'peergrid-fuzz-'))
    this.store = new Store(this.dir)
    this.scheduler = new Scheduler(this.store, Date.now, seededRandom(seed), options)
    this.jobs = new JobService(this.store, this.scheduler)
    // Cases replay thousands of requests a second from a few peers: the rate limit (tested on
    // its own) would answer them all BUSY and hide the handlers under test.
    this.work = new WorkService(this.scheduler, { requestsPerSecond: Number.MAX_SAFE_INTEGER })
    this.admin = new AdminService(this.store, this.scheduler, ADMIN_TOKEN)
    this.#probe = new DatabaseSync(this.store.path, { readOnly: true })
  }

  /** Changes whenever the store commits a write. */
  dataVersion (): number {
    return Number((this.#probe.prepare('PRAGMA data_version').get() as { data_version: number }).data_version)
  }

  count (sql: string, ...params: string[]): number {
    return Number((this.#probe.prepare(sql).get(...params) as { n: number }).n)
  }

  rows<T> (sql: string, ...params: string[]): T[] {
    return this.#probe.prepare(sql).all(...params) as T[]
  }

  jobState (jobId: string): string | undefined {
    return (this.#probe.prepare('SELECT state FROM jobs WHERE id = ?').get(jobId) as { state: string } | undefined)?.state
  }

  /** Runs a small primes job to completion on the results of `peers`, so it has a result. */
  completeJob (peers: readonly string[] = ['seed-a', 'seed-b']): string {
    const { jobId } = this.scheduler.addJob({ kind: 'primes', params: { from: 0, to: 1000 }, units: 1, quorum: peers.length }, 'seeder')
    for (const peer of peers) {
      for (const lease of this.scheduler.lease(peer, 1, [jobId])) {
        this.scheduler.report(peer, [{ leaseId: lease.id, status: 'ok', output: validOutput(lease.kind, lease.payload) }])
      }
    }
    if (this.jobState(jobId) !== 'completed') throw new Error(`the seed job ${jobId} did not complete`)
    return jobId
  }

  close (): void {
    this.#probe.close()
    this.store.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** The correct output bytes of a unit, computed here as an honest worker would. */
export function validOutput (kindName: string, payloadJson: string): Uint8Array {
  const kind = getKind(kindName)
  return kind.encodeOutput(kind.run(kind.parseUnit(JSON.parse(payloadJson))))
}
