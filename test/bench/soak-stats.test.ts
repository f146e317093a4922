import { describe, expect, it } from '@jest/globals'
import { countAt, fittedGrowth, growthAfterWarmup, median, throughputTrend, windowMedians, type Sample } from '../../bench/soak-stats.ts'

/** Samples every `everyMs` from 0 to `runMs` of `value(t)`. */
const series = (runMs: number, everyMs: number, value: (atMs: number) => number): Sample[] =>
  Array.from({ length: Math.floor(runMs / everyMs) + 1 }, (_, i) => ({ atMs: i * everyMs, value: value(i * everyMs) }))

describe('median', () => {
  it.each<[number[], number | undefined]>([
    [[], undefined],
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5]
  ])('of %j is %p', (values, expected) => {
    expect(median(values)).toBe(expected)
  })
})

describe('growthAfterWarmup', () => {
  const runMs = 100_000
  it.each<[string, (t: number) => number, number | undefined]>([
    ['flat memory', () => 100, 0],
    // Warm-up allocations are not growth: the baseline is taken after the first 20%.
    ['growth confined to warm-up', (t) => t < 20_000 ? 50 + t / 400 : 100, 0],
    // Medians of the samples at 20, 25, 30 s (106.25) and at 90, 95, 100 s (193.75).
    ['linear growth', (t) => 75 + t / 800, (193.75 / 106.25 - 1) * 100],
    ['one spike at the end', (t) => t === 100_000 ? 500 : 100, 0]
  ])('%s', (_, value, expected) => {
    const growth = growthAfterWarmup(series(runMs, 5_000, value), runMs)
    if (expected === undefined) expect(growth).toBeUndefined()
    else expect(growth).toBeCloseTo(expected, 9)
  })

  it('is undefined for a process not sampled after warm-up', () => {
    expect(growthAfterWarmup(series(15_000, 5_000, () => 100), runMs)).toBeUndefined()
  })
})

describe('windowMedians', () => {
  it('gives the medians of the tenth after warm-up and of the last tenth', () => {
    // Samples at 20, 25, 30 s are 106.25 in the middle; at 90, 95, 100 s, 193.75.
    expect(windowMedians(series(100_000, 5_000, (t) => 75 + t / 800), 100_000)).toEqual({ after: 106.25, last: 193.75 })
  })

  it('is undefined when the last tenth holds no sample', () => {
    expect(windowMedians(series(60_000, 5_000, () => 100), 100_000)).toBeUndefined()
  })
})

describe('fittedGrowth', () => {
  const runMs = 100_000
  it.each<[string, (t: number) => number, number]>([
    ['flat memory', () => 100, 0],
    ['growth confined to warm-up', (t) => t < 20_000 ? 50 + t / 400 : 100, 0],
    // Exactly linear: from 100 at 20 s to 180 at 100 s.
    ['linear growth', (t) => 80 + t / 1000, 80],
    // A heap that swings between 160 and 280 every other sample, with no trend: windows of
    // medians can read anything in between, the line reads nearly nothing.
    ['garbage-collection swings without a trend', (t) => (t / 5_000) % 2 === 0 ? 160 : 280, 0]
  ])('%s', (_, value, expected) => {
    expect(fittedGrowth(series(runMs, 5_000, value), runMs)).toBeCloseTo(expected, 0)
  })

  it('is undefined without three samples after warm-up', () => {
    expect(fittedGrowth(series(25_000, 5_000, () => 100), runMs)).toBeUndefined()
  })
})

describe('countAt and throughputTrend', () => {
  it('needs samples spanning some time', () => {
    expect(throughputTrend([{ atMs: 5, value: 1 }])).toBeUndefined()
    expect(throughputTrend([{ atMs: 5, value: 1 }, { atMs: 5, value: 2 }])).toBeUndefined()
  })

  it('interpolates a cumulative count between samples', () => {
    const samples = [{ atMs: 0, value: 0 }, { atMs: 10, value: 100 }, { atMs: 20, value: 100 }]
    expect([0, 5, 10, 15, 20].map((t) => countAt(samples, t))).toEqual([0, 50, 100, 100, 100])
    expect(countAt(samples, 21)).toBeUndefined()
  })

  it.each<[string, (t: number) => number, { first: number, last: number, ratio: number | undefined }]>([
    ['a steady 10 units/s', (t) => t / 100, { first: 10, last: 10, ratio: 1 }],
    // 20 units/s for the first half, 5 after: thirds of 20 s see 400 and 100 units.
    ['a grid that slows down', (t) => t <= 30_000 ? t / 50 : 600 + (t - 30_000) / 200, { first: 20, last: 5, ratio: 0.25 }],
    ['nothing accepted', () => 0, { first: 0, last: 0, ratio: undefined }]
  ])('%s', (_, value, expected) => {
    const trend = throughputTrend(series(60_000, 1_000, value))
    expect(trend?.first).toBeCloseTo(expected.first, 9)
    expect(trend?.last).toBeCloseTo(expected.last, 9)
    if (expected.ratio === undefined) expect(trend?.ratio).toBeUndefined()
    else expect(trend?.ratio).toBeCloseTo(expected.ratio, 9)
  })
})
