/**
 * The JSON shapes of the dashboard API, built from store rows. Pure functions of their
 * inputs (the store is only read), so the API handlers and the live feed share one shape.
 */
import { peerInfo } from '../coordinator/admin-service.ts'
import { jobCounters, unitStatuses } from '../coordinator/job-status.ts'
import type { PeerState } from '../coordinator/reputation.ts'
import type { JobRow, JobState, JobTotals, PeerHistoryRow, PeerRow, Store } from '../coordinator/store.ts'
import type { PeerInfo } from '../protocols/admin.ts'

export const PEER_STATES: readonly PeerState[] = ['probation', 'trusted', 'banned']
export const JOB_STATES: readonly JobState[] = ['running', 'completed', 'failed', 'cancelled']
export const UNIT_STATES = ['waiting', 'leased', 'reported', 'accepted', 'failed', 'cancelled'] as const
export type UnitState = typeof UNIT_STATES[number]

/** Units beyond this are summarised by counts only (a map of 100,000 cells helps nobody). */
export const MAX_UNIT_MAP = 20_000
/** Reputation events shown as "recent verdicts" on a peer's page. */
export const RECENT_VERDICTS = 25
/** Reputation events drawn on a peer's chart. */
export const HISTORY_POINTS = 1000

export interface PeerSummary extends PeerInfo {
  /** Connected to the coordinator right now. */
  readonly online: boolean
}

export interface ReputationPoint { readonly atMs: number, readonly event: string, readonly score: number, readonly state: string }

export interface PeerDetail extends PeerSummary {
  /** Oldest first: every reputation change, for the chart. */
  readonly history: ReputationPoint[]
  /** Newest first. */
  readonly verdicts: ReputationPoint[]
}

export interface ResultFileRef { readonly name: string, readonly mediaType: string, readonly url: string }

export interface JobSummary {
  readonly id: string
  readonly name: string
  readonly kind: string
  readonly state: JobState
  readonly unitsTotal: number
  readonly unitsAccepted: number
  readonly unitsFailed: number
  readonly resultsReceived: number
  /** Accepted units over all units, in [0, 1]. */
  readonly progress: number
  readonly createdMs: number
  readonly finishedMs: number | null
  readonly error: string | null
  /** The merged result value once the job completed. */
  readonly result: unknown
  readonly resultFile: ResultFileRef | null
}

export interface JobDetail extends JobSummary {
  readonly spec: unknown
  readonly units: Record<UnitState, number>
  /** One letter per unit (the first letter of its state), or null past {@link MAX_UNIT_MAP} units. */
  readonly unitMap: string | null
}

export interface Stats {
  readonly atMs: number
  /** `connected`: distinct peers with an open connection, known or not (a worker is known once it asks for work). */
  readonly peers: { readonly known: number, readonly connected: number, readonly byState: Record<PeerState, number> }
  readonly jobs: Record<JobState, number>
  /** `open` units are waiting, leased or reported: not decided yet. */
  readonly units: { readonly accepted: number, readonly failed: number, readonly cancelled: number, readonly open: number }
  readonly leasesActive: number
  readonly connections: number
  /** Units accepted since the coordinator started, and in the last one-second window. */
  readonly acceptedTotal: number
  readonly acceptedPerSecond: number
}

export function peerSummary (row: PeerRow, online: boolean): PeerSummary {
  return { ...peerInfo(row), online }
}

const point = (h: PeerHistoryRow): ReputationPoint => ({ atMs: h.at_ms, event: h.event, score: h.score, state: h.state })

export function peerDetail (row: PeerRow, history: readonly PeerHistoryRow[], online: boolean): PeerDetail {
  const points = history.map(point)
  return { ...peerSummary(row, online), history: points, verdicts: points.slice(-RECENT_VERDICTS).reverse() }
}

export function jobSummary (row: JobRow): JobSummary {
  return {
    ...jobCounters(row),
    name: row.name,
    progress: row.units_total === 0 ? 0 : row.units_accepted / row.units_total,
    finishedMs: row.finished_ms,
    error: row.error,
    result: row.result_json == null ? null : JSON.parse(row.result_json) as unknown,
    resultFile: row.result_file_name == null || row.result_media_type == null
      ? null
      : { name: row.result_file_name, mediaType: row.result_media_type, url: `/api/jobs/${encodeURIComponent(row.id)}/result` }
  }
}

export function jobDetail (store: Store, row: JobRow): JobDetail {
  const states = unitStatuses(store, row.id).map((u) => u.state as UnitState)
  const units = Object.fromEntries(UNIT_STATES.map((s) => [s, 0])) as Record<UnitState, number>
  for (const s of states) units[s]++
  return {
    ...jobSummary(row),
    spec: JSON.parse(row.spec_json) as unknown,
    units,
    unitMap: states.length <= MAX_UNIT_MAP ? states.map((s) => s[0]).join('') : null
  }
}

export function countBy<K extends string> (keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  for (const v of values) if (v in counts) counts[v]++
  return counts
}

/** Units of all jobs by state, from the jobs' counters (no scan of the units table). */
export function unitCounts (totals: readonly JobTotals[]): Stats['units'] {
  const units = { accepted: 0, failed: 0, cancelled: 0, open: 0 }
  for (const t of totals) {
    units.accepted += t.units_accepted
    units.failed += t.units_failed
    if (t.state === 'running') units.open += t.units_undecided
    else if (t.state === 'cancelled') units.cancelled += t.units_undecided
  }
  return units
}

/** Jobs by state, every state present. */
export function jobCounts (totals: readonly JobTotals[]): Record<JobState, number> {
  const counts = countBy(JOB_STATES, [])
  for (const t of totals) if (t.state in counts) counts[t.state] += t.jobs
  return counts
}

export interface StatsInput {
  readonly atMs: number
  readonly peers: readonly PeerRow[]
  /** Per job state (Store.jobTotals): stats are pushed often, and jobs pile up. */
  readonly jobs: readonly JobTotals[]
  /** Remote peers of the open connections. */
  readonly connectedPeers: ReadonlySet<string>
  readonly leasesActive: number
  readonly connections: number
  readonly acceptedTotal: number
  readonly acceptedPerSecond: number
}

export function stats (input: StatsInput): Stats {
  return {
    atMs: input.atMs,
    peers: {
      known: input.peers.length,
      connected: input.connectedPeers.size,
      byState: countBy(PEER_STATES, input.peers.map((p) => p.state))
    },
    jobs: jobCounts(input.jobs),
    units: unitCounts(input.jobs),
    leasesActive: input.leasesActive,
    connections: input.connections,
    acceptedTotal: input.acceptedTotal,
    acceptedPerSecond: input.acceptedPerSecond
  }
}
