/**
 * Coalesces bursts of requests into at most one run per interval: the first request runs
 * as soon as the interval since the last run allows, and every request made while a run is
 * pending joins it. A thousand verdicts in a second become five pushes to each browser.
 */

export interface TimerClock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export const SYSTEM_CLOCK: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); t.unref(); return t },
  clearTimeout: (handle) => { clearTimeout(handle as NodeJS.Timeout) }
}

export class Throttle {
  readonly #intervalMs: number
  readonly #run: () => void
  readonly #clock: TimerClock
  #lastRunMs = -Infinity
  #pending: unknown

  constructor (intervalMs: number, run: () => void, clock: TimerClock = SYSTEM_CLOCK) {
    this.#intervalMs = intervalMs
    this.#run = run
    this.#clock = clock
  }

  get pending (): boolean { return this.#pending !== undefined }

  request (): void {
    if (this.#pending !== undefined) return
    const delay = Math.max(0, this.#lastRunMs + this.#intervalMs - this.#clock.now())
    this.#pending = this.#clock.setTimeout(() => {
      this.#pending = undefined
      this.#lastRunMs = this.#clock.now()
      this.#run()
    }, delay)
  }

  cancel (): void {
    if (this.#pending === undefined) return
    this.#clock.clearTimeout(this.#pending)
    this.#pending = undefined
  }
}
