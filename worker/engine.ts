/**
 * The local execution engine: a Piscina pool that runs units of any kind in worker threads.
 * A unit that overruns its deadline or its memory cap loses its thread; the pool and the
 * process carry on. Every way a unit can end is returned as a typed {@link UnitOutcome}.
 */
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { logger } from '@libp2p/logger'
import { DEFAULT_MAX_MEMORY_MB, DEFAULT_NICE_INCREMENT, DEFAULT_THREADS, DEFAULT_UNIT_TIMEOUT_MS, MAX_THREADS } from './constants.ts'
import type { UnitOutcome } from './outcome.ts'
import type { UnitTask, UnitTaskResult } from './unit-task.ts'

export interface EngineInit {
  /** Worker threads, 1..256 (default: one per core). */
  threads?: number
  /** Heap cap of one unit thread in MiB (default 512). */
  maxMemoryMb?: number
  /** Deadline of a unit when the caller gives none (default 5 minutes). */
  defaultTimeoutMs?: number
  /** Niceness added to unit threads, 0..19 (default 19: lowest priority). */
  niceIncrement?: number
  /** The module that runs a task; tests substitute fixtures. Default: `unit-task.ts`. */
  taskFile?: string
}

export interface RunOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

const log = logger('peergrid:engine')
const TASK_FILE = fileURLToPath(new URL('./unit-task.ts', import.meta.url))

function checkInteger (name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`options.${name} must be an integer`)
  }
  if (value < min || value > max) {
    throw new RangeError(`options.${name} must be between ${min} and ${max}`)
  }
}

/** Validates options at the public edge so that misuse fails with a message, not later. */
export function validateEngineInit (init: EngineInit): Required<EngineInit> {
  checkInteger('threads', init.threads, 1, MAX_THREADS)
  checkInteger('maxMemoryMb', init.maxMemoryMb, 16, 1 << 20)
  checkInteger('defaultTimeoutMs', init.defaultTimeoutMs, 1, 2 ** 31 - 1)
  checkInteger('niceIncrement', init.niceIncrement, 0, 19)
  return {
    threads: init.threads ?? DEFAULT_THREADS,
    maxMemoryMb: init.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB,
    defaultTimeoutMs: init.defaultTimeoutMs ?? DEFAULT_UNIT_TIMEOUT_MS,
    niceIncrement: init.niceIncrement ?? DEFAULT_NICE_INCREMENT,
    taskFile: init.taskFile ?? TASK_FILE
  }
}

export class EngineStoppedError extends Error {
  override name = 'EngineStoppedError'
  constructor () { super('the engine is stopped; start() it before running units') }
}

function isOutOfMemory (err: unknown): boolean {
  const e = err as { code?: string, message?: string }
  return e?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(e?.message ?? '')
}

export class Engine {
  readonly threads: number
  readonly #init: Required<EngineInit>
  #pool: Piscina<UnitTask, UnitTaskResult> | undefined
  #running = 0

  constructor (init: EngineInit = {}) {
    this.#init = validateEngineInit(init)
    this.threads = this.#init.threads
  }

  start (): void {
    if (this.#pool != null) return
    this.#pool = new Piscina({
      filename: this.#init.taskFile,
      minThreads: this.#init.threads,
      maxThreads: this.#init.threads,
      // Units queue in the caller (scheduler/prefetch), not here: a bounded pool queue keeps
      // cancellation and lease hand-back exact.
      maxQueue: 'auto',
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: this.#init.maxMemoryMb },
      niceIncrement: this.#init.niceIncrement,
      execArgv: ['--disable-warning=ExperimentalWarning']
    })
    log('started with %d threads', this.#init.threads)
  }

  async stop (): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    if (pool != null) await pool.destroy()
  }

  /** The V8 heaps of the unit threads, summed; undefined before the pool starts. */
  async heapStatistics (): Promise<{ usedBytes: number, committedBytes: number, threads: number } | undefined> {
    const pool = this.#pool
    if (pool == null) return undefined
    const all = await Promise.allSettled(pool.threads.map(async (thread) => await thread.getHeapStatistics()))
    const heaps = all.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
    return {
      usedBytes: heaps.reduce((sum, h) => sum + h.used_heap_size, 0),
      committedBytes: heaps.reduce((sum, h) => sum + h.total_heap_size, 0),
      threads: heaps.length
    }
  }

  /** Units currently executing or queued in the pool. */
  get busy (): number { return this.#running }

  get idle (): number { return Math.max(0, this.threads - this.#running) }

  /** Runs one unit; resolves with its outcome whatever happens to the thread. */
  async run (kind: string, unit: unknown, options: RunOptions = {}): Promise<UnitOutcome> {
    const pool = this.#pool
    if (pool == null) throw new EngineStoppedError()
    const timeoutMs = options.timeoutMs ?? this.#init.defaultTimeoutMs
    const controller = new AbortController()
    let reason: 'timeout' | 'cancelled' | undefined
    const timer = setTimeout(() => { reason = 'timeout'; controller.abort() }, timeoutMs)
    const onCancel = (): void => { reason ??= 'cancelled'; controller.abort() }
    if (options.signal?.aborted === true) onCancel()
    options.signal?.addEventListener('abort', onCancel, { once: true })
    const started = performance.now()
    this.#running++
    try {
      const result = await pool.run({ kind, unit }, { signal: controller.signal })
      return { status: 'ok', output: result.output, cpuMs: result.cpuMs, wallMs: performance.now() - started }
    } catch (err) {
      const wallMs = performance.now() - started
      if (reason === 'timeout') return { status: 'timeout', wallMs }
      if (reason === 'cancelled') return { status: 'cancelled', wallMs }
      if (isOutOfMemory(err)) return { status: 'out-of-memory', wallMs }
      const message = err instanceof Error ? err.message : String(err)
      log('unit of %s failed: %s', kind, message)
      return { status: 'error', message, wallMs }
    } finally {
      this.#running--
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onCancel)
    }
  }
}

export function createEngine (init: EngineInit = {}): Engine {
  return new Engine(init)
}
