import { describe, expect, it } from '@jest/globals'
import { DutyCycle } from '../../worker/duty-cycle.ts'

/**
 * Runs a simulated pool on a millisecond clock: `threads` threads, units that keep a thread
 * at 100% for `unitMs`, a dispatcher that starts a unit on a free thread whenever the duty
 * cycle allows. Returns the CPU used per wall millisecond over `horizonMs`.
 */
function simulate (init: { percent: number, threads: number, unitMs: number, burstMs: number }, horizonMs: number, idleFirstMs = 0): { cores: number, firstBurstMs: number } {
  const duty = new DutyCycle(init, 0, 0)
  const ends: number[] = []
  let cpu = 0
  let firstBurstMs = 0
  let throttledOnce = false
  for (let now = 0; now < horizonMs; now++) {
    for (let i = ends.length - 1; i >= 0; i--) if (ends[i]! <= now) ends.splice(i, 1)
    if (now >= idleFirstMs) {
      duty.observe(now, cpu)
      while (ends.length < init.threads && duty.delayMs() === 0) ends.push(now + init.unitMs)
      if (duty.delayMs() > 0 && !throttledOnce) { throttledOnce = true; firstBurstMs = now - idleFirstMs }
    }
    cpu += ends.length
  }
  return { cores: cpu / horizonMs, firstBurstMs }
}

describe('DutyCycle', () => {
  // The long-run error is bounded by one unit per thread plus the saved burst: the granularity limit.
  it.each([
    { percent: 50, threads: 1, unitMs: 100 },
    { percent: 50, threads: 1, unitMs: 3000 },
    { percent: 25, threads: 2, unitMs: 30 },
    { percent: 10, threads: 4, unitMs: 7 },
    { percent: 75, threads: 3, unitMs: 450 },
    { percent: 1, threads: 1, unitMs: 50 },
    { percent: 100, threads: 2, unitMs: 40 }
  ])('holds $percent% of $threads thread(s) with $unitMs ms units', ({ percent, threads, unitMs }) => {
    const horizonMs = 120_000
    const burstMs = 1000
    const target = percent / 100 * threads
    const { cores } = simulate({ percent, threads, unitMs, burstMs }, horizonMs)
    const bound = (target * burstMs + unitMs * threads) / horizonMs
    expect(Math.abs(cores - target)).toBeLessThanOrEqual(bound + 1e-9)
  })

  it('lets a thread run at full speed only for the saved burst after an idle spell', () => {
    const { firstBurstMs } = simulate({ percent: 50, threads: 1, unitMs: 10, burstMs: 1000 }, 20_000, 10_000)
    // 500 ms of saved CPU at a 0.5 net drain lasts 1 s, to within one unit.
    expect(firstBurstMs).toBeGreaterThanOrEqual(1000)
    expect(firstBurstMs).toBeLessThanOrEqual(1000 + 10 * 2)
  })

  it('asks for the wait that pays back the debt', () => {
    const duty = new DutyCycle({ percent: 50, threads: 1, burstMs: 0 }, 0, 0)
    duty.observe(100, 100) // ran 100 ms flat out, earned 50
    expect(duty.balance).toBe(-50)
    expect(duty.delayMs()).toBe(100)
    duty.observe(200, 100) // idle for the 100 ms asked
    expect(duty.delayMs()).toBe(0)
  })

  it('never lets CPU time or the clock running backwards earn budget', () => {
    const duty = new DutyCycle({ percent: 50, threads: 1, burstMs: 1000 }, 1000, 500)
    duty.observe(900, 400)
    expect(duty.balance).toBe(500)
  })
})
