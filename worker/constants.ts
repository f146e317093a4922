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
