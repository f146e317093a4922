/**
 * What `peergrid worker status` shows: the shape a running worker reports on its control
 * socket, and how it reads for a person.
 */
import { formatCredit } from '../jobs/credit.ts'

/** Why a worker is not starting units. */
export type PauseReason = 'cpu-busy' | 'schedule' | 'user' | 'stopping'

export interface WorkerState {
  readonly state: 'running' | 'paused' | 'stopping'
  readonly pausedFor: readonly PauseReason[]
}

/**
 * How a coordinator rates this worker, when it says so: credit granted for accepted work
 * and the reputation it keeps (score in [0, 1], state such as `probation` or `trusted`).
 */
export interface CoordinatorStanding {
  readonly credit?: number
  readonly score?: number
  readonly state?: string
}

export interface CoordinatorReport {
  readonly peerId: string
  readonly weight: number
  readonly connected: boolean
  readonly unitsRunning: number
  readonly unitsQueued: number
  readonly unitsDone: number
  readonly unitsFailed: number
  /** CPU time of this coordinator's units that ran to a result, ms. */
  readonly cpuMs: number
  /** Null until the coordinator reports it. */
  readonly credit: number | null
  readonly reputation: { readonly score: number | null, readonly state: string | null } | null
}

/** A V8 heap, or the sum of several: what is in use and what is committed (held from the system). */
export interface HeapFigures { readonly usedBytes: number, readonly committedBytes: number }

/** Where the worker's memory is: the whole process, its main JS heap, its unit threads' heaps. */
export interface WorkerMemory {
  readonly rssBytes: number
  readonly mainHeap: HeapFigures
  /** Summed over the unit threads; null until the threads have been measured. */
  readonly threadHeaps: (HeapFigures & { readonly threads: number }) | null
}

export interface WorkerStatus extends WorkerState {
  readonly peerId: string
  readonly pid: number
  readonly dataDir: string
  readonly startedMs: number
  /** When the schedule lets the worker run again, if that is why it is paused (ms since the epoch). */
  readonly resumesAtMs: number | null
  /** Waiting for the CPU budget before starting the next unit. */
  readonly throttled: boolean
  readonly budget: {
    readonly threads: number
    readonly cpuPercent: number
    readonly idleOnly: boolean
    readonly idleThresholdPercent: number
    readonly idleResumeAfterMs: number
    readonly schedule: string | null
    readonly nice: number
    readonly maxMemoryMb: number
  }
  /** Percent of the whole machine over the last seconds; null when not measured. */
  readonly load: { readonly workerPercent: number | null, readonly otherPercent: number | null }
  readonly units: { readonly running: number, readonly queued: number, readonly done: number, readonly failed: number, readonly handedBack: number }
  /** CPU time given: the sum of the CPU time of units that ran to a result, ms. */
  readonly cpuMs: number
  /** Credit earned: the sum of what the coordinators report (reference core-seconds). */
  readonly credit: number
  readonly memory: WorkerMemory
  readonly coordinators: readonly CoordinatorReport[]
}


/** `3725000` → `1h 02m 05s`: coarse enough to read, exact enough to compare. */
export function formatDuration (ms: number): string {
  const s = Math.floor(ms / 1000)
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m ${pad(s % 60)}s`
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3600) % 24)}h ${pad(Math.floor(s / 60) % 60)}m`
}

function clockTime (ms: number): string {
  const d = new Date(ms)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

const percent = (p: number | null): string => p === null ? 'not measured' : `${Math.round(p)}%`

/** Why a worker pauses, in a few words. */
export const PAUSE_REASON_TEXT: Readonly<Record<PauseReason, string>> = {
  'cpu-busy': 'the machine is busy with other programs',
  schedule: 'outside the schedule',
  user: 'paused by its owner',
  stopping: 'shutting down'
}

function describePause (reason: PauseReason, status: WorkerStatus): string {
  const { otherPercent } = status.load
  if (reason === 'cpu-busy' && otherPercent !== null) return `the machine is busy (other programs use ${percent(otherPercent)} of it)`
  if (reason === 'schedule') {
    const resumes = status.resumesAtMs !== null ? ` (resumes at ${clockTime(status.resumesAtMs)})` : ''
    return `${PAUSE_REASON_TEXT.schedule} ${status.budget.schedule ?? ''}${resumes}`
  }
  return PAUSE_REASON_TEXT[reason]
}

function describeState (status: WorkerStatus): string {
  if (status.state === 'stopping') return 'stopping'
  if (status.state === 'paused') return `paused: ${status.pausedFor.map((r) => describePause(r, status)).join('; ')}`
  return status.throttled ? 'running (waiting for the CPU budget)' : 'running'
}

function describeBudget (b: WorkerStatus['budget']): string {
  const parts = [`${b.threads} thread${b.threads === 1 ? '' : 's'} at nice ${b.nice}`, `${b.cpuPercent}% CPU`]
  if (b.idleOnly) parts.push(`idle-only (pause above ${b.idleThresholdPercent}% other load, resume after ${formatDuration(b.idleResumeAfterMs)} idle)`)
  if (b.schedule !== null) parts.push(`schedule ${b.schedule}`)
  parts.push(`${b.maxMemoryMb} MiB per thread`)
  return parts.join(', ')
}

function describeStanding (c: CoordinatorReport): string {
  const credit = c.credit === null ? 'credit not reported' : `credit ${formatCredit(c.credit)}`
  const r = c.reputation
  const reputation = r === null
    ? 'reputation not reported'
    : `reputation ${r.score === null ? '?' : r.score.toFixed(2)}${r.state === null ? '' : ` (${r.state})`}`
  return `${credit}, ${reputation}`
}

function describeCredit (status: WorkerStatus): string {
  const reporting = status.coordinators.filter((c) => c.credit !== null).length
  if (reporting === 0) return 'none reported yet'
  return `${formatCredit(status.credit)} (granted for accepted results by ${reporting} coordinator${reporting === 1 ? '' : 's'})`
}

const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`

function describeMemory (m: WorkerMemory): string {
  const heap = (h: HeapFigures): string => `${mib(h.usedBytes)} of ${mib(h.committedBytes)}`
  const threads = m.threadHeaps === null ? '' : `, ${heap(m.threadHeaps)} (${m.threadHeaps.threads} unit thread${m.threadHeaps.threads === 1 ? '' : 's'})`
  return `${mib(m.rssBytes)} resident; JS heaps in use: ${heap(m.mainHeap)} (main)${threads}`
}

/** The status as text for a terminal. */
export function formatStatus (status: WorkerStatus, now: number = Date.now()): string {
  const u = status.units
  const lines = [
    `worker ${status.peerId} (pid ${status.pid}, up ${formatDuration(now - status.startedMs)})`,
    `data:       ${status.dataDir}`,
    `state:      ${describeState(status)}`,
    `budget:     ${describeBudget(status.budget)}`,
    `load:       this worker ${percent(status.load.workerPercent)} of the machine, other programs ${percent(status.load.otherPercent)}`,
    `units:      ${u.running} running, ${u.queued} queued, ${u.done} done (${u.failed} failed), ${u.handedBack} handed back`,
    `CPU given:  ${formatDuration(status.cpuMs)}`,
    `credit:     ${describeCredit(status)}`,
    `memory:     ${describeMemory(status.memory)}`,
    `coordinators: ${status.coordinators.length === 0 ? 'none heard yet' : status.coordinators.length}`
  ]
  for (const c of status.coordinators) {
    lines.push(`  ${c.peerId}  weight ${c.weight}, ${c.connected ? 'connected' : 'not connected'}`)
    lines.push(`    ${c.unitsDone} done (${c.unitsFailed} failed), ${c.unitsRunning} running, ${c.unitsQueued} queued, CPU ${formatDuration(c.cpuMs)}; ${describeStanding(c)}`)
  }
  return lines.join('\n')
}
