import { describe, expect, it } from '@jest/globals'
import { Budget, type BudgetClock } from '../../worker/budget.ts'
import type { CpuSample } from '../../worker/idle-detector.ts'
import { parseSchedule } from '../../worker/schedule.ts'

/** A machine of `cores` cores on a clock the test moves: other programs' and this process's load are set per step. */
class FakeMachine implements BudgetClock {
  readonly cores = 2
  #now = Date.UTC(2025, 0, 15, 12)
  #day = new Date(2025, 0, 15, 8, 59)
  #cpuMs = 0
  #sample: CpuSample = { at: this.#now, busyMs: 0, totalMs: 0, ownMs: 0 }
  now = (): number => this.#now
  date = (): Date => new Date(this.#day.getTime() + (this.#now - Date.UTC(2025, 0, 15, 12)))
  processCpuMs = (): number => this.#cpuMs
  sampleCpu = (): CpuSample => this.#sample

  /** Lets `ms` pass with `other` and `own` cores busy at normal priority. */
  advance (ms: number, load: { other?: number, own?: number } = {}): void {
    const { other = 0, own = 0 } = load
    this.#now += ms
    this.#cpuMs += own * ms
    const s = this.#sample
    this.#sample = { at: this.#now, busyMs: s.busyMs + (other + own) * ms, totalMs: s.totalMs + this.cores * ms, ownMs: s.ownMs + own * ms }
  }
}

describe('Budget', () => {
  it('pauses outside the schedule and says when it opens', () => {
    const machine = new FakeMachine() // local 08:59
    const budget = new Budget({ threads: 1, schedule: parseSchedule('09:00-17:00') }, machine)
    const before = budget.evaluate().pauses
    expect([...before.keys()]).toEqual(['schedule'])
    expect(before.get('schedule')).toBe(machine.now() + 60_000)
    machine.advance(60_000)
    expect(budget.evaluate().pauses.size).toBe(0)
  })

  it('pauses while other programs load the machine and resumes after the calm period', () => {
    const machine = new FakeMachine()
    const budget = new Budget({ threads: 2, idleOnly: true, idleThresholdPercent: 25, idleResumeAfterMs: 3000 }, machine)
    const busyAfter: boolean[] = []
    const step = (other: number): void => { machine.advance(500, { other, own: 1 }); busyAfter.push(budget.evaluate().pauses.has('cpu-busy')) }
    for (let i = 0; i < 4; i++) step(0)
    for (let i = 0; i < 4; i++) step(2)
    for (let i = 0; i < 14; i++) step(0)
    // Busy from the 2nd loaded step (step 5: the 2 s average passes 25%); the average is back
    // to 25% at step 10, and 3 s (6 steps) later, at step 16, the machine is idle again.
    expect(busyAfter.flatMap((b, i) => b ? [i] : [])).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
    expect(budget.otherPercent).toBe(0)
  })

  it('never pauses for load when idle-only is off', () => {
    const machine = new FakeMachine()
    const budget = new Budget({ threads: 1 }, machine)
    machine.advance(5000, { other: 2 })
    expect(budget.evaluate().pauses.size).toBe(0)
    expect(budget.otherPercent).toBeUndefined()
  })

  it('delays the next unit until the process\'s CPU time fits the percentage', () => {
    const machine = new FakeMachine()
    const budget = new Budget({ threads: 2, cpuPercent: 25 }, machine) // 0.5 core
    expect(budget.dispatchDelay()).toBe(0)
    machine.advance(2000, { own: 2 }) // 4000 ms used, 1000 earned, 500 (1 s at 0.5 core) saved at the start
    expect(budget.dispatchDelay()).toBe((4000 - 1000 - 500) / 0.5)
  })

  it('does not throttle at 100%', () => {
    const machine = new FakeMachine()
    const budget = new Budget({ threads: 1 }, machine)
    machine.advance(2000, { own: 1 })
    expect(budget.dispatchDelay()).toBe(0)
  })

  it('reports its own load as a share of the whole machine', () => {
    const machine = new FakeMachine()
    const budget = new Budget({ threads: 2 }, machine)
    budget.evaluate()
    machine.advance(1000, { own: 0.5 })
    budget.evaluate()
    expect(budget.workerPercent).toBeCloseTo(25, 9)
  })

  it('describes its limits for the status', () => {
    const budget = new Budget({ threads: 3, cpuPercent: 40, idleOnly: true, schedule: parseSchedule('22:00-7:00') }, new FakeMachine())
    expect(budget.describe()).toEqual({ threads: 3, cpuPercent: 40, idleOnly: true, idleThresholdPercent: 25, idleResumeAfterMs: 5000, schedule: '22:00-07:00' })
  })

  it.each([
    [{ cpuPercent: 0 }, 'budget.cpuPercent must be a number from 1 to 100 (got 0)'],
    [{ cpuPercent: 101 }, 'budget.cpuPercent must be a number from 1 to 100 (got 101)'],
    [{ idleThresholdPercent: Number.NaN }, 'budget.idleThresholdPercent must be a number from 0 to 100 (got NaN)'],
    [{ idleResumeAfterMs: -1 }, 'budget.idleResumeAfterMs must be a number from 0 to 2147483647 (got -1)']
  ])('refuses %j', (init, message) => {
    expect(() => new Budget({ threads: 1, ...init }, new FakeMachine())).toThrow(new RangeError(message))
  })
})
