/**
 * The figures a soak run is judged by, from its samples: memory growth after warm-up and
 * the throughput trend. Pure, so that the arithmetic is tested apart from the processes.
 */

export interface Sample { readonly atMs: number, readonly value: number }

export function median (values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function medianBetween (samples: readonly Sample[], fromMs: number, toMs: number): number | undefined {
  return median(samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.value))
}

/**
 * Growth of a process's memory after warm-up, in percent: the median of its samples in the
 * last tenth of the run against the median of those just after warm-up (the first
 * `warmup` of the run), so that one garbage collection does not decide the figure.
 * Undefined when the process was not sampled in both windows.
 */
export function growthAfterWarmup (samples: readonly Sample[], runMs: number, warmup = 0.2): number | undefined {
  const medians = windowMedians(samples, runMs, warmup)
  if (medians == null || medians.after === 0) return undefined
  return (medians.last / medians.after - 1) * 100
}

/**
 * The median of the samples in the tenth of the run just after warm-up and in the last tenth;
 * undefined unless both windows hold a sample.
 */
export function windowMedians (samples: readonly Sample[], runMs: number, warmup = 0.2): { after: number, last: number } | undefined {
  const after = medianBetween(samples, warmup * runMs, (warmup + 0.1) * runMs)
  const last = medianBetween(samples, 0.9 * runMs, runMs)
  return after == null || last == null ? undefined : { after, last }
}

/**
 * Growth of a process's memory after warm-up, in percent, from a least-squares line through
 * every sample after warm-up: its value at the end of the run against its value when warm-up
 * ended. A garbage-collected heap swings by tens of percent between collections; a line
 * through all the swings shows a leak's slope where two windows can land on a low and a high.
 */
export function fittedGrowth (samples: readonly Sample[], runMs: number, warmup = 0.2): number | undefined {
  const after = samples.filter((s) => s.atMs >= warmup * runMs)
  if (after.length < 3) return undefined
  const n = after.length
  const meanT = after.reduce((sum, s) => sum + s.atMs, 0) / n
  const meanV = after.reduce((sum, s) => sum + s.value, 0) / n
  let covariance = 0
  let variance = 0
  for (const s of after) {
    covariance += (s.atMs - meanT) * (s.value - meanV)
    variance += (s.atMs - meanT) ** 2
  }
  if (variance === 0) return undefined
  const slope = covariance / variance
  const at = (t: number): number => meanV + slope * (t - meanT)
  const start = at(warmup * runMs)
  return start > 0 ? (at(runMs) / start - 1) * 100 : undefined
}

/** The cumulative count at `atMs`, interpolated between the samples around it. */
export function countAt (cumulative: readonly Sample[], atMs: number): number | undefined {
  if (cumulative.length === 0 || atMs < cumulative[0]!.atMs || atMs > cumulative[cumulative.length - 1]!.atMs) return undefined
  for (let i = 1; i < cumulative.length; i++) {
    const a = cumulative[i - 1]!
    const b = cumulative[i]!
    if (atMs <= b.atMs) return b.atMs === a.atMs ? b.value : a.value + (b.value - a.value) * (atMs - a.atMs) / (b.atMs - a.atMs)
  }
  return cumulative[0]!.value
}

export interface ThroughputTrend {
  /** Units per second over the first third of the run. */
  first: number
  /** Units per second over the last third of the run. */
  last: number
  /** last ÷ first: about 1 for a steady run, well below 1 when the grid slows down over time. */
  ratio: number | undefined
}

/** Throughput over the first and last thirds of the span the cumulative samples cover. */
export function throughputTrend (cumulative: readonly Sample[]): ThroughputTrend | undefined {
  if (cumulative.length < 2) return undefined
  const start = cumulative[0]!.atMs
  const third = (cumulative[cumulative.length - 1]!.atMs - start) / 3
  if (third <= 0) return undefined
  const [c0, c1, c2, c3] = [0, 1, 2, 3].map((i) => countAt(cumulative, start + i * third)!) as [number, number, number, number]
  const first = (c1 - c0) / (third / 1000)
  const last = (c3 - c2) / (third / 1000)
  return { first, last, ratio: first > 0 ? last / first : undefined }
}
