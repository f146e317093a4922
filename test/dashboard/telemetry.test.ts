import { describe, expect, it } from '@jest/globals'
import { applyEvent, NEW_REPUTATION, type Reputation, type ReputationEvent } from '../../coordinator/reputation.ts'
import { OutcomeCounter, outcomeDeltas, RingBuffer, ThroughputMeter, zeroOutcomes } from '../../dashboard/telemetry.ts'

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items, oldest first', () => {
    const ring = new RingBuffer<number>(3)
    expect(ring.toArray()).toEqual([])
    expect(ring.last()).toBeUndefined()
    const seen: number[][] = []
    for (let i = 1; i <= 7; i++) {
      ring.push(i)
      seen.push(ring.toArray())
    }
    expect(seen).toEqual([[1], [1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]])
    expect(ring.last()).toBe(7)
    expect(ring.size).toBe(3)
  })

  it('rejects a capacity that cannot hold anything', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError)
    expect(() => new RingBuffer(1.5)).toThrow(/positive integer/)
  })
})

describe('ThroughputMeter', () => {
  it('samples the units counted in each window and forgets the oldest windows', () => {
    const meter = new ThroughputMeter(2)
    meter.count()
    meter.count(4)
    expect(meter.sample(1000)).toEqual({ atMs: 1000, accepted: 5 })
    expect(meter.sample(2000)).toEqual({ atMs: 2000, accepted: 0 })
    meter.count(3)
    meter.sample(3000)
    expect(meter.samples()).toEqual([{ atMs: 2000, accepted: 0 }, { atMs: 3000, accepted: 3 }])
    expect(meter.latest()).toEqual({ atMs: 3000, accepted: 3 })
    expect(meter.total).toBe(8)
  })
})

/** The reputation after a sequence of events, by the coordinator's own rules. */
const after = (events: ReputationEvent[], from: Reputation = NEW_REPUTATION): Reputation => events.reduce(applyEvent, from)

describe('outcomeDeltas', () => {
  it.each<{ events: ReputationEvent[], expected: Partial<ReturnType<typeof zeroOutcomes>> }>([
    { events: [], expected: {} },
    { events: ['valid'], expected: { valid: 1 } },
    { events: ['valid', 'valid', 'invalid'], expected: { valid: 2, invalid: 1 } },
    // A failed spot-check also counts as invalid in the reputation: one outcome, not two.
    { events: ['spot-fail'], expected: { 'spot-fail': 1 } },
    { events: ['spot-pass', 'error', 'timeout', 'timeout'], expected: { 'spot-pass': 1, error: 1, timeout: 2 } },
    { events: ['ban'], expected: {} }
  ])('$events', ({ events, expected }) => {
    expect(outcomeDeltas(NEW_REPUTATION, after(events))).toEqual({ ...zeroOutcomes(), ...expected })
  })

  it('counts nothing when an unban resets the failed checks', () => {
    const banned = after(['spot-fail', 'spot-fail'])
    expect(outcomeDeltas(banned, applyEvent(banned, 'unban'))).toEqual(zeroOutcomes())
  })
})

describe('OutcomeCounter', () => {
  it('adds up each peer\'s changes and ignores history from before it was seeded', () => {
    const counter = new OutcomeCounter()
    const veteran = after(['valid', 'valid', 'valid'])
    counter.seed('V', veteran)
    let v = veteran
    let n = NEW_REPUTATION
    for (const e of ['valid', 'invalid'] as const) { v = applyEvent(v, e); counter.observe('V', v) }
    for (const e of ['valid', 'spot-fail'] as const) { n = applyEvent(n, e); counter.observe('N', n) }
    expect(counter.totals()).toEqual({ ...zeroOutcomes(), valid: 2, invalid: 1, 'spot-fail': 1 })
  })
})
