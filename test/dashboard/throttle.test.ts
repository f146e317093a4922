import { describe, expect, it } from '@jest/globals'
import { Throttle, type TimerClock } from '../../dashboard/throttle.ts'

/** A clock whose timers fire only when the test advances it. */
function manualClock (): TimerClock & { advance: (ms: number) => void } {
  let now = 0
  let timers: Array<{ at: number, fn: () => void, id: number }> = []
  let next = 0
  return {
    now: () => now,
    setTimeout: (fn, ms) => { const id = next++; timers.push({ at: now + ms, fn, id }); return id },
    clearTimeout: (id) => { timers = timers.filter((t) => t.id !== id) },
    advance (ms) {
      const end = now + ms
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (due == null) break
        timers = timers.filter((t) => t !== due)
        now = due.at
        due.fn()
      }
      now = end
    }
  }
}

describe('Throttle', () => {
  it('runs a burst once, at once, then at most once per interval', () => {
    const clock = manualClock()
    const runs: number[] = []
    const throttle = new Throttle(200, () => runs.push(clock.now()), clock)
    for (let i = 0; i < 100; i++) throttle.request()
    clock.advance(0)
    expect(runs).toEqual([0])
    // Requests every 10 ms for a second: one run per 200 ms window.
    for (let t = 0; t < 1000; t += 10) {
      throttle.request()
      clock.advance(10)
    }
    expect(runs).toEqual([0, 200, 400, 600, 800, 1000])
    expect(throttle.pending).toBe(false)
  })

  it('runs a lone request without waiting once the interval has passed', () => {
    const clock = manualClock()
    const runs: number[] = []
    const throttle = new Throttle(200, () => runs.push(clock.now()), clock)
    throttle.request()
    clock.advance(1000)
    throttle.request()
    clock.advance(0)
    expect(runs).toEqual([0, 1000])
  })

  it('drops a pending run when cancelled', () => {
    const clock = manualClock()
    let runs = 0
    const throttle = new Throttle(200, () => { runs++ }, clock)
    throttle.request()
    clock.advance(0)
    throttle.request()
    throttle.cancel()
    clock.advance(1000)
    expect(runs).toBe(1)
  })
})
