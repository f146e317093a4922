/**
 * A one-line progress bar for long work (units done / total, rate, ETA), drawn on stderr
 * only when it is a terminal so that pipes and `--json` output stay clean.
 */
export interface ProgressBarInit {
  label: string
  total: number
  stream?: NodeJS.WriteStream
  /** Minimum ms between redraws. */
  intervalMs?: number
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`
  const m = Math.floor(seconds / 60)
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/** Pure rendering, so the arithmetic is testable without a terminal. */
export function renderProgress (label: string, done: number, total: number, elapsedMs: number, width = 30): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total)
  const filled = Math.round(fraction * width)
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0
  const eta = rate > 0 ? (total - done) / rate : Number.NaN
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
  return `${label} ${bar} ${done}/${total} units ${(fraction * 100).toFixed(0).padStart(3)}%  ${rate.toFixed(1)} units/s  ETA ${done >= total ? '0s' : formatDuration(eta)}`
}

export class ProgressBar {
  readonly #init: Required<ProgressBarInit>
  readonly #started = performance.now()
  #lastDraw = 0
  #done = 0

  constructor (init: ProgressBarInit) {
    this.#init = { stream: process.stderr, intervalMs: 100, ...init }
  }

  get enabled (): boolean { return this.#init.stream.isTTY === true }

  setTotal (total: number): void { this.#init.total = total }

  update (done: number): void {
    this.#done = done
    const now = performance.now()
    if (now - this.#lastDraw < this.#init.intervalMs && done < this.#init.total) return
    this.#lastDraw = now
    this.#draw()
  }

  finish (): void {
    if (!this.enabled) return
    this.#draw()
    this.#init.stream.write('\n')
  }

  #draw (): void {
    if (!this.enabled) return
    const line = renderProgress(this.#init.label, this.#done, this.#init.total, performance.now() - this.#started)
    this.#init.stream.write(`\r${line.slice(0, (this.#init.stream.columns ?? 120) - 1)}\x1b[K`)
  }
}
