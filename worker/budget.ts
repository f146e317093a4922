/**
 * What the owner allows the worker to use, evaluated against the clock and the machine:
 * the CPU budget (a {@link DutyCycle} on the process's CPU time), idle-only mode (an
 * {@link IdleDetector} fed by a {@link CpuSampler}) and the daily schedule. The worker asks
 * `evaluate()` on a timer for the pause reasons in force and `dispatchDelay()` before it
 * starts a unit. Clocks and counters are injected, so the logic runs on simulated time.
 */
import { availableParallelism } from 'node:os'
import { CpuSampler } from './cpu-sampler.ts'
import { DutyCycle } from './duty-cycle.ts'
import { IdleDetector, type CpuSample } from './idle-detector.ts'
import { formatSchedule, inSchedule, nextOpening, type ScheduleWindow } from './schedule.ts'
import type { WorkerStatus } from './status.ts'

export interface BudgetInit {
  readonly threads: number
  /** Percent of the donated threads' time the worker may use, 1..100 (default 100). */
  readonly cpuPercent?: number
  /** Pause while other processes keep the machine busy. */
  readonly idleOnly?: boolean
  /** Other processes' load, percent of the machine, above which it counts as busy (default 25). */
  readonly idleThresholdPercent?: number
  /** How long the machine must stay idle before work resumes, ms (default 5 s). */
  readonly idleResumeAfterMs?: number
  /** Daily windows of local time when the worker may compute; empty or absent: always. */
  readonly schedule?: readonly ScheduleWindow[]
}

export const DEFAULT_CPU_PERCENT = 100
export const DEFAULT_IDLE_THRESHOLD_PERCENT = 25
export const DEFAULT_IDLE_RESUME_AFTER_MS = 5_000
/** The window over which others' load is averaged. */
export const IDLE_WINDOW_MS = 2_000
/** Budget saved while idle is capped at this much time at the full budgeted rate. */
export const BUDGET_BURST_MS = 1_000
/** The worker's own load shown in its status is averaged over this window. */
const OWN_LOAD_WINDOW_MS = 5_000

export interface BudgetClock {
  /** Monotonic-enough wall time, ms. */
  now: () => number
  /** Local calendar time, for the schedule. */
  date: () => Date
  /** This process's cumulative CPU time, every thread, ms. */
  processCpuMs: () => number
  /** Machine and own counters for idle detection. */
  sampleCpu: () => CpuSample
  /** Cores of the machine. */
  cores: number
}

export type BudgetPauseReason = 'cpu-busy' | 'schedule'

export interface BudgetVerdict {
  /** Pause reasons in force, each with when it is expected to end if known (wall clock, ms). */
  readonly pauses: ReadonlyMap<BudgetPauseReason, number | undefined>
}

function checkRange (name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= max)) {
    throw new RangeError(`budget.${name} must be a number from ${min} to ${max} (got ${value})`)
  }
}

export class Budget {
  readonly init: Required<BudgetInit>
  readonly #clock: BudgetClock
  readonly #duty: DutyCycle | undefined
  readonly #idle: IdleDetector | undefined
  readonly #own: Array<{ at: number, cpuMs: number }> = []

  constructor (init: BudgetInit, clock: BudgetClock) {
    // Validated at the public edge, so that a wrong value fails here rather than as a worker that never runs.
    checkRange('cpuPercent', init.cpuPercent, 1, 100)
    checkRange('idleThresholdPercent', init.idleThresholdPercent, 0, 100)
    checkRange('idleResumeAfterMs', init.idleResumeAfterMs, 0, 2 ** 31 - 1)
    this.init = {
      threads: init.threads,
      cpuPercent: init.cpuPercent ?? DEFAULT_CPU_PERCENT,
      idleOnly: init.idleOnly ?? false,
      idleThresholdPercent: init.idleThresholdPercent ?? DEFAULT_IDLE_THRESHOLD_PERCENT,
      idleResumeAfterMs: init.idleResumeAfterMs ?? DEFAULT_IDLE_RESUME_AFTER_MS,
      schedule: init.schedule ?? []
    }
    this.#clock = clock
    if (this.init.cpuPercent < 100) {
      this.#duty = new DutyCycle({ percent: this.init.cpuPercent, threads: init.threads, burstMs: BUDGET_BURST_MS }, clock.now(), clock.processCpuMs())
    }
    if (this.init.idleOnly) {
      this.#idle = new IdleDetector({ thresholdPercent: this.init.idleThresholdPercent, resumeAfterMs: this.init.idleResumeAfterMs, windowMs: IDLE_WINDOW_MS })
      this.#idle.add(clock.sampleCpu())
    }
  }

  /** Takes fresh measurements and says which pauses are in force. Call it a few times a second. */
  evaluate (): BudgetVerdict {
    const now = this.#clock.now()
    const cpuMs = this.#clock.processCpuMs()
    this.#duty?.observe(now, cpuMs)
    this.#own.push({ at: now, cpuMs })
    while (this.#own.length > 2 && this.#own[1]!.at <= now - OWN_LOAD_WINDOW_MS) this.#own.shift()
    const pauses = new Map<BudgetPauseReason, number | undefined>()
    if (this.#idle != null) {
      this.#idle.add(this.#clock.sampleCpu())
      if (this.#idle.busy) pauses.set('cpu-busy', undefined)
    }
    if (this.init.schedule.length > 0) {
      const date = this.#clock.date()
      // On the wall clock: the calendar says how far away the opening is.
      const opening = inSchedule(this.init.schedule, date) ? undefined : nextOpening(this.init.schedule, date)
      if (opening !== undefined) pauses.set('schedule', now + (opening.getTime() - date.getTime()))
    }
    return { pauses }
  }

  /** How long the next unit must wait for the CPU budget, ms; 0 when it may start now. */
  dispatchDelay (): number {
    if (this.#duty == null) return 0
    this.#duty.observe(this.#clock.now(), this.#clock.processCpuMs())
    return this.#duty.delayMs()
  }

  /** The limits in force, for `worker status`. */
  describe (): Omit<WorkerStatus['budget'], 'nice' | 'maxMemoryMb'> {
    const { threads, cpuPercent, idleOnly, idleThresholdPercent, idleResumeAfterMs, schedule } = this.init
    return { threads, cpuPercent, idleOnly, idleThresholdPercent, idleResumeAfterMs, schedule: schedule.length > 0 ? formatSchedule(schedule) : null }
  }

  /** This worker's CPU use over the last few seconds, percent of the machine; undefined before two readings. */
  get workerPercent (): number | undefined {
    const first = this.#own[0]
    const last = this.#own[this.#own.length - 1]
    if (first === undefined || last === undefined || last.at <= first.at) return undefined
    return 100 * (last.cpuMs - first.cpuMs) / (last.at - first.at) / this.#clock.cores
  }

  /** Other processes' normal-priority load, percent of the machine; undefined unless idle-only. */
  get otherPercent (): number | undefined {
    return this.#idle?.otherPercent
  }
}

/** The real clock and counters of this process and machine. */
export function systemBudgetClock (): BudgetClock {
  const sampler = new CpuSampler()
  return {
    now: () => Date.now(),
    date: () => new Date(),
    processCpuMs: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 },
    sampleCpu: () => sampler.sample(),
    cores: availableParallelism()
  }
}
