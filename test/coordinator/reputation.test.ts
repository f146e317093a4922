import { describe, expect, it } from '@jest/globals'
import { applyEvent, NEW_REPUTATION, nextScore, shouldBan, TRUST_AFTER, type Reputation, type ReputationEvent } from '../../coordinator/reputation.ts'

const after = (events: ReputationEvent[], start: Reputation = NEW_REPUTATION): Reputation => events.reduce(applyEvent, start)
const times = (n: number, e: ReputationEvent): ReputationEvent[] => new Array<ReputationEvent>(n).fill(e)

describe('nextScore', () => {
  it.each<[ReputationEvent, number, number]>([
    ['valid', 0.5, 0.515],
    ['spot-pass', 0.9, 0.903],
    ['invalid', 0.8, 0.4],
    ['spot-fail', 0.8, 0.2],
    ['error', 1, 0.95],
    ['timeout', 0.5, 0.475],
    ['ban', 0.9, 0],
    ['unban', 0, 0.5]
  ])('%s from %d', (event, from, to) => {
    expect(nextScore(from, event)).toBeCloseTo(to, 10)
  })

  it('falls fast and recovers slowly: one lie costs more than twenty honest results earn', () => {
    const lie = nextScore(0.9, 'invalid')
    let s = lie
    for (let i = 0; i < 20; i++) s = nextScore(s, 'valid')
    expect(s).toBeLessThan(0.9)
  })
})

describe('applyEvent', () => {
  it.each<[string, ReputationEvent[], Partial<Reputation>]>([
    ['a newcomer is on probation', [], { state: 'probation' }],
    ['counters follow events', ['valid', 'invalid', 'error', 'timeout', 'spot-pass'], { valid: 1, invalid: 1, errors: 1, timeouts: 1, spotPassed: 1 }],
    ['trusted after enough verified results', times(TRUST_AFTER, 'valid'), { state: 'trusted' }],
    ['a failed spot-check bans a newcomer', ['valid', 'spot-fail'], { state: 'banned' }],
    ['one failed spot-check among many passes is a hardware error', [...times(40, 'spot-pass'), 'spot-fail'], { state: 'probation' }],
    ['a second failed spot-check bans anybody', [...times(40, 'spot-pass'), 'spot-fail', ...times(10, 'valid'), 'spot-fail'], { state: 'banned' }],
    ['a saboteur who keeps losing votes is banned', [...times(10, 'valid'), ...times(4, 'invalid')], { state: 'banned' }],
    ['a rare lost vote does not ban an honest peer', [...times(200, 'valid'), 'invalid', ...times(100, 'valid'), 'invalid', ...times(25, 'valid')], { state: 'trusted' }],
    ['errors and timeouts alone never ban', times(50, 'timeout'), { state: 'probation' }],
    ['banned stays banned', ['ban', ...times(50, 'valid')], { state: 'banned' }],
    ['unban returns to probation', ['ban', 'unban'], { state: 'probation' }]
  ])('%s', (_name, events, expected) => {
    expect(after(events)).toMatchObject(expected)
  })

  it('does not mutate its input', () => {
    const r = { ...NEW_REPUTATION }
    applyEvent(r, 'invalid')
    expect(r).toEqual(NEW_REPUTATION)
  })

  it.each<[string, Partial<Reputation>, boolean]>([
    ['clean', { valid: 100 }, false],
    ['low score but too few results to judge', { valid: 2, invalid: 3, score: 0.05 }, false],
    ['low score, many lies', { valid: 10, invalid: 5, score: 0.05 }, true]
  ])('shouldBan: %s', (_name, r, expected) => {
    expect(shouldBan({ ...NEW_REPUTATION, ...r })).toBe(expected)
  })
})
