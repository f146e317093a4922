/**
 * The CPU budget (`--cpu-percent`) as a token bucket over the process's measured CPU time.
 *
 * Why this shape: a unit cannot be paused once it runs (Piscina threads share the process,
 * and SIGSTOP stops every thread), so the only lever is *when the next unit starts*. The
 * bucket earns `rate` CPU-milliseconds per wall millisecond (the budget: percent × donated
 * threads) and is charged what the whole process really used, measured, not estimated. A
 * unit may start while the balance is not negative; after a unit that overdrew it, the
 * worker waits until the debt is paid back. So the long-run average meets the budget
 * whatever the unit lengths, while over windows shorter than one unit a thread is either
 * at full speed or idle: a unit that runs 2 s at a 50% budget is followed by a 2 s pause.
 * Savings are capped at `burstMs` of budget, so an idle spell does not buy a long burst.
 */

export interface DutyCycleInit {
  /** Budget in percent of the donated threads, 1..100. */
  readonly percent: number
  readonly threads: number
  /** Most budget saved up while idle, in milliseconds of wall time at the full rate. */
  readonly burstMs: number
}

export class DutyCycle {
  /** CPU milliseconds allowed per wall millisecond. */
  readonly rate: number
  readonly #burst: number
  #at: number
  #cpuMs: number
  #balance: number

  constructor (init: DutyCycleInit, now: number, cpuMs: number) {
    this.rate = init.percent / 100 * init.threads
    this.#burst = this.rate * init.burstMs
    this.#at = now
    this.#cpuMs = cpuMs
    this.#balance = this.#burst
  }

  /** Records the process's cumulative CPU time `cpuMs` at wall time `now`. */
  observe (now: number, cpuMs: number): void {
    const earned = this.rate * Math.max(0, now - this.#at)
    const spent = Math.max(0, cpuMs - this.#cpuMs)
    this.#balance = Math.min(this.#burst, this.#balance + earned - spent)
    this.#at = now
    this.#cpuMs = cpuMs
  }

  /** CPU milliseconds in hand (negative: owed). */
  get balance (): number { return this.#balance }

  /** How long the next unit must wait, in wall milliseconds; 0 when it may start now. */
  delayMs (): number {
    return this.#balance >= 0 ? 0 : Math.ceil(-this.#balance / this.rate)
  }
}
