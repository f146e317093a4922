/**
 * Idle-only mode's judgement: is the owner's machine busy with other work? Like BOINC's
 * "suspend when non-BOINC CPU usage is above X%", the load that counts is the CPU the rest
 * of the machine spends at normal priority, with this worker's own share taken out, as a
 * percentage of all cores, averaged over a short window so a blip does not pause anything.
 * Niced work (other volunteer workers, batch jobs) does not count: it already yields, and
 * two workers on one machine must not pause each other.
 *
 * Busy is declared as soon as the window's average is over the threshold; idle again only
 * after the load has stayed at or under it for `resumeAfterMs` (hysteresis), so a machine
 * whose owner pauses for a second does not start a unit that will compete a second later.
 */

/** Cumulative counters read at one moment; only differences between samples mean anything. */
export interface CpuSample {
  /** Wall time of the reading, ms. */
  readonly at: number
  /** CPU time of every core spent at normal priority (user, system, interrupts), ms. */
  readonly busyMs: number
  /** CPU time of every core, idle included, ms. */
  readonly totalMs: number
  /** The part of `busyMs` that this process spent, ms. */
  readonly ownMs: number
}

export interface IdleDetectorInit {
  /** Other processes' load, percent of the machine, above which the machine is busy. */
  readonly thresholdPercent: number
  /** How long the load must stay at or under the threshold before the machine is idle again. */
  readonly resumeAfterMs: number
  /** The load is averaged over this much time. */
  readonly windowMs: number
}

/** Other processes' share of the machine between two samples, percent (0..100). */
export function otherLoadPercent (from: CpuSample, to: CpuSample): number {
  const total = to.totalMs - from.totalMs
  if (total <= 0) return 0
  const other = (to.busyMs - from.busyMs) - Math.max(0, to.ownMs - from.ownMs)
  return Math.min(100, Math.max(0, 100 * other / total))
}

export class IdleDetector {
  readonly #init: IdleDetectorInit
  readonly #samples: CpuSample[] = []
  #busy = false
  #calmSince: number | undefined
  #load: number | undefined

  constructor (init: IdleDetectorInit) {
    this.#init = init
  }

  /** Whether the machine is busy with other work, as of the last sample. */
  get busy (): boolean { return this.#busy }

  /** Other processes' load over the last window, percent of the machine; undefined before two samples. */
  get otherPercent (): number | undefined { return this.#load }

  add (sample: CpuSample): void {
    const samples = this.#samples
    samples.push(sample)
    // Keep one sample at or before the window's start, so the average spans the whole window.
    while (samples.length > 2 && samples[1]!.at <= sample.at - this.#init.windowMs) samples.shift()
    if (samples.length < 2) return
    const load = this.#load = otherLoadPercent(samples[0]!, sample)
    if (load > this.#init.thresholdPercent) {
      this.#busy = true
      this.#calmSince = undefined
    } else if (this.#busy) {
      this.#calmSince ??= sample.at
      if (sample.at - this.#calmSince >= this.#init.resumeAfterMs) {
        this.#busy = false
        this.#calmSince = undefined
      }
    }
  }
}
