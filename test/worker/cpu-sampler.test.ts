import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { CpuSampler, normalPriorityMs, parseTaskStat } from '../../worker/cpu-sampler.ts'

/** A stat line as proc(5) lays it out: pid, (comm), state, then numbered fields 4..52. */
function statLine (comm: string, fields: Record<number, number>): string {
  const rest = Array.from({ length: 52 - 3 }, (_, i) => fields[i + 4] ?? 0)
  return `4242 (${comm}) R ${rest.join(' ')}\n`
}

describe('parseTaskStat', () => {
  it.each([
    ['node', { 14: 120, 15: 30, 19: 0 }, { utimeTicks: 120, stimeTicks: 30, nice: 0 }],
    ['Piscina worker', { 14: 900, 15: 7, 19: 19 }, { utimeTicks: 900, stimeTicks: 7, nice: 19 }],
    ['a) b (c', { 14: 5, 15: 6, 19: -5 }, { utimeTicks: 5, stimeTicks: 6, nice: -5 }]
  ])('reads utime, stime and nice of %j', (comm, fields, expected) => {
    expect(parseTaskStat(statLine(comm, fields))).toEqual(expected)
  })

  it('rejects a line it cannot read', () => {
    expect(parseTaskStat('garbage')).toBeUndefined()
    expect(parseTaskStat('1 (x) R 1 2')).toBeUndefined()
  })

  it('reads this very thread', () => {
    const self = parseTaskStat(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8'))
    expect(self).toBeDefined()
    expect(self!.nice).toBe(0)
  })
})

describe('normalPriorityMs', () => {
  it.each([
    [{ utimeTicks: 100, stimeTicks: 20, nice: 0 }, 1200],
    [{ utimeTicks: 100, stimeTicks: 20, nice: -2 }, 1200],
    // A niced thread's user time is booked as "nice", which is not load; its system time is.
    [{ utimeTicks: 100, stimeTicks: 20, nice: 19 }, 200]
  ])('%j → %d ms', (task, ms) => {
    expect(normalPriorityMs(task)).toBe(ms)
  })
})

describe('CpuSampler', () => {
  it('counts this process\'s busy main thread as its own load, not as others\'', () => {
    const sampler = new CpuSampler()
    const before = sampler.sample()
    const usage = process.cpuUsage()
    const until = Date.now() + 300
    while (Date.now() < until) { /* spin at normal priority */ }
    const used = process.cpuUsage(usage)
    const after = sampler.sample()
    const usedMs = (used.user + used.system) / 1000
    // Tick accounting (10 ms) against getrusage's microseconds, plus the other threads of this process.
    expect(after.ownMs - before.ownMs).toBeGreaterThanOrEqual(usedMs - 30)
    expect(after.busyMs - before.busyMs).toBeGreaterThanOrEqual(after.ownMs - before.ownMs - 30)
    expect(after.totalMs).toBeGreaterThan(before.totalMs)
  })
})
