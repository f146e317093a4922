/**
 * Builds the status of jobs (and, on request, of every unit with the peers that returned
 * results for it) from the store, in the wire protocol's shape.
 */
import type { JobStatus, UnitStatus } from '../protocols/jobs.ts'
import type { JobRow, Store } from './store.ts'

/** The fields of a job row that the wire status and the dashboard's JSON both show. */
export function jobCounters (row: JobRow): Pick<JobStatus, 'id' | 'kind' | 'unitsTotal' | 'unitsAccepted' | 'unitsFailed' | 'resultsReceived' | 'createdMs'> & { state: JobRow['state'] } {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    unitsTotal: row.units_total,
    unitsAccepted: row.units_accepted,
    unitsFailed: row.units_failed,
    resultsReceived: row.results_received,
    createdMs: row.created_ms
  }
}

function jobStatus (row: JobRow, units: UnitStatus[]): JobStatus {
  return { ...jobCounters(row), ...(row.finished_ms != null ? { finishedMs: row.finished_ms } : {}), units }
}

export function unitStatuses (store: Store, jobId: string): UnitStatus[] {
  const units = store.unitsOf(jobId)
  const byUnit = new Map<number, Array<{ peer: string, digest: string | null, counted: number }>>()
  for (const r of store.resultsOf(jobId)) {
    let list = byUnit.get(r.idx)
    if (list == null) byUnit.set(r.idx, list = [])
    list.push(r)
  }
  const leased = new Set(store.activeLeasesOf(jobId).map((l) => l.idx))
  return units.map((u) => {
    const results = (byUnit.get(u.idx) ?? []).filter((r) => r.counted === 1)
    const open = u.state === 'waiting'
    return {
      index: u.idx,
      state: open && leased.has(u.idx) ? 'leased' : open && results.length > 0 ? 'reported' : u.state,
      peers: [...new Set(results.map((r) => r.peer))],
      acceptedPeers: u.digest == null ? [] : [...new Set(results.filter((r) => r.digest === u.digest).map((r) => r.peer))],
      results: results.length
    }
  })
}

/** The status of one job, in a list of one as the reply carries it; undefined when unknown. */
export function jobStatuses (store: Store, jobId: string, withUnits: boolean): JobStatus[] | undefined {
  const row = store.getJob(jobId)
  if (row == null) return undefined
  return [jobStatus(row, withUnits ? unitStatuses(store, jobId) : [])]
}

/**
 * The newest `limit` jobs (oldest of them first) and how many jobs there are in all: a
 * coordinator keeps every job it ever ran, and one reply must not grow with that.
 */
export function listedJobs (store: Store, limit: number): { jobs: JobStatus[], total: number } {
  return { jobs: store.newestJobs(limit).map((row) => jobStatus(row, [])), total: store.countJobs() }
}

/** What a client is told when the list leaves jobs out. Empty when it holds them all. */
export function listNote (listed: number, total: number): string {
  return total > listed ? `the newest ${listed} of ${total} jobs; ask for a job by its id to see an older one` : ''
}
