import { availableParallelism } from 'node:os'

/** One thread per core by default: units are CPU-bound and share nothing. */
export const DEFAULT_THREADS = Math.max(1, availableParallelism())
/** Ceiling for `--threads`; more threads than this only adds contention. */
export const MAX_THREADS = 256
/** Old-generation heap cap of one unit thread; a unit that needs more is aborted as out-of-memory. */
export const DEFAULT_MAX_MEMORY_MB = 512
/** A unit that runs longer than this is aborted and reported as timed out. */
export const DEFAULT_UNIT_TIMEOUT_MS = 5 * 60_000
/** Donated CPU runs at the lowest ordinary priority so the owner's own work always wins. */
export const DEFAULT_NICE_INCREMENT = 19
/** Leases queued beyond the running ones, per thread, before unit durations are known. */
export const DEFAULT_PREFETCH_PER_THREAD = 2
/**
 * Queued work is sized to cover this much time per thread (BOINC's "work buffer"), so short
 * units do not leave threads idle across a pull round trip; long units queue little.
 */
export const PREFETCH_WINDOW_MS = 200
export const MAX_PREFETCH = 256
/** Backoff after failing to reach a coordinator: from 500 ms doubling to 30 s. */
export const MIN_BACKOFF_MS = 500
export const MAX_BACKOFF_MS = 30_000
export const DIAL_TIMEOUT_MS = 10_000
/** After "no work", ask a coordinator again this often even without a new announcement. */
export const DEFAULT_IDLE_RECHECK_MS = 5_000
/** The worker's housekeeping tick: report retries, hand-backs, heap measurements, pulls. */
export const TICK_MS = 250
/** How often the unit threads are asked about their heaps, for the status. */
export const THREAD_HEAP_EVERY_MS = 5_000
/** How long a stopping worker waits for coordinators to take back its leases. */
export const STOP_GRACE_MS = 3_000
/** A coordinator that leaves a work request unanswered this long is treated as lost. */
export const REPLY_TIMEOUT_MS = 30_000
/** Results wait this long for company before they are reported: fewer, larger report frames. */
export const REPORT_DELAY_MS = 50
/** A report is sent at once when this many results are waiting. */
export const REPORT_BATCH = 64
/** How often the budget re-reads the clock and the CPU counters (idle-only, schedule, status). */
export const BUDGET_TICK_MS = 500
/** Thread time charged for a unit before any unit has been timed (fair sharing corrects it later). */
export const DEFAULT_UNIT_ESTIMATE_MS = 100
/**
 * A worker paused this long hands back every queued lease: the pause is no blip (the owner
 * is using the machine), and the coordinator can lease the units to someone else meanwhile.
 */
export const HAND_BACK_AFTER_PAUSE_MS = 10_000
