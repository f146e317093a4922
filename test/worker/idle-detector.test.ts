import { describe, expect, it } from '@jest/globals'
import { IdleDetector, otherLoadPercent, type CpuSample } from '../../worker/idle-detector.ts'

const CORES = 2
const STEP_MS = 500

/**
 * Cumulative counters of a 2-core machine sampled every 500 ms, from the load of each step:
 * `other` and `own` in cores (0..2) of normal-priority CPU.
 */
function samples (steps: ReadonlyArray<{ other: number, own?: number }>): CpuSample[] {
  const out: CpuSample[] = [{ at: 0, busyMs: 0, totalMs: 0, ownMs: 0 }]
  for (const { other, own = 0 } of steps) {
    const last = out[out.length - 1]!
    out.push({
      at: last.at + STEP_MS,
      busyMs: last.busyMs + (other + own) * STEP_MS,
      totalMs: last.totalMs + CORES * STEP_MS,
      ownMs: last.ownMs + own * STEP_MS
    })
  }
  return out
}

const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value)

describe('otherLoadPercent', () => {
  it.each([
    [{ other: 0 }, 0],
    [{ other: 1 }, 50],
    [{ other: 2 }, 100],
    [{ other: 0.5, own: 1 }, 25],
    [{ other: 0, own: 2 }, 0]
  ])('%j on 2 cores is %d%%', (step, percent) => {
    const [from, to] = samples([step])
    expect(otherLoadPercent(from!, to!)).toBeCloseTo(percent, 9)
  })

  it('is 0 when no time passed and never negative', () => {
    const s: CpuSample = { at: 0, busyMs: 10, totalMs: 100, ownMs: 10 }
    expect(otherLoadPercent(s, s)).toBe(0)
    expect(otherLoadPercent(s, { at: 500, busyMs: 10, totalMs: 1100, ownMs: 500 })).toBe(0)
  })
})

describe('IdleDetector', () => {
  const detector = (): IdleDetector => new IdleDetector({ thresholdPercent: 25, resumeAfterMs: 2000, windowMs: 2000 })

  /** Feeds the steps and returns the busy flag after each one. */
  function run (steps: ReadonlyArray<{ other: number, own?: number }>): boolean[] {
    const d = detector()
    return samples(steps).map((s) => { d.add(s); return d.busy })
  }

  it.each([
    {
      name: 'an idle machine stays idle, however hard the worker itself runs',
      steps: repeat(10, { other: 0, own: 2 }),
      busyAt: []
    },
    {
      name: 'a blip shorter than the window does not pause',
      steps: [...repeat(4, { other: 0 }), { other: 1.5 }, ...repeat(6, { other: 0 })],
      busyAt: []
    },
    {
      // One busy core is 50% of the machine: the 2 s average is over 25% after 1.5 s (sample 7),
      // falls to 25% 1 s after the load ends (sample 12), and 2 s later (16) the machine is idle.
      name: 'a busy core pauses within 1.5 s, and the machine is idle 2 s after the average falls',
      steps: [...repeat(4, { other: 0 }), ...repeat(6, { other: 1 }), ...repeat(12, { other: 0 })],
      busyAt: [7, 8, 9, 10, 11, 12, 13, 14, 15]
    },
    {
      name: 'load that comes back during the calm period restarts it',
      steps: [...repeat(4, { other: 2 }), ...repeat(5, { other: 0 }), ...repeat(2, { other: 2 }), ...repeat(10, { other: 0 })],
      busyAt: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    }
  ])('$name', ({ steps, busyAt }) => {
    const busy = run(steps)
    expect(busy.flatMap((b, i) => b ? [i] : [])).toEqual(busyAt)
  })

  it('reports the averaged load over the window', () => {
    const d = detector()
    for (const s of samples([...repeat(4, { other: 2 }), ...repeat(2, { other: 0 })])) d.add(s)
    // The last 2 s: two steps at 100% and two at 0%.
    expect(d.otherPercent).toBeCloseTo(50, 9)
  })
})
