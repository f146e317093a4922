import { describe, expect, it } from '@jest/globals'
import { competing, DEFAULT_LAG_MS, FairShare, planPulls, type PullCandidate } from '../../worker/fair-share.ts'

/**
 * Serves `rounds` units, always from among the accounts that have work in that round, each
 * unit costing `costOf(id)` ms of thread time; returns how many units each account got.
 */
function serve (weights: Record<string, number>, rounds: number, options: { costOf?: (id: string) => number, present?: (id: string, round: number) => boolean } = {}): Record<string, number> {
  const share = new FairShare()
  const counts: Record<string, number> = Object.fromEntries(Object.keys(weights).map((id) => [id, 0]))
  for (let round = 0; round < rounds; round++) {
    const candidates = Object.entries(weights)
      .filter(([id]) => options.present?.(id, round) ?? true)
      .map(([id, weight]) => ({ id, weight }))
    const id = share.pick(candidates)
    if (id === undefined) continue
    share.charge(id, weights[id]!, options.costOf?.(id) ?? 10)
    counts[id]!++
  }
  return counts
}

describe('FairShare', () => {
  it.each([
    [{ a: 3, b: 1 }, 400, { a: 300, b: 100 }],
    [{ a: 1, b: 1 }, 100, { a: 50, b: 50 }],
    [{ a: 1, b: 2, c: 5 }, 800, { a: 100, b: 200, c: 500 }],
    [{ a: 1000, b: 1 }, 1001, { a: 1000, b: 1 }]
  ])('weights %j over %d units give %j', (weights, rounds, expected) => {
    expect(serve(weights, rounds)).toEqual(expected)
  })

  it('shares thread time, not units: a coordinator with units 4× longer gets 4× fewer', () => {
    const counts = serve({ long: 1, short: 1 }, 500, { costOf: (id) => id === 'long' ? 40 : 10 })
    expect(counts).toEqual({ long: 100, short: 400 })
  })

  it('serves a backup (weight 0) only while no weighted coordinator has work', () => {
    const present = (id: string, round: number): boolean => id === 'backup' || round < 50 || round >= 100
    expect(serve({ main: 1, backup: 0 }, 150, { present })).toEqual({ main: 100, backup: 50 })
  })

  it('gives a newcomer its share from when it arrives, not a monopoly to catch up', () => {
    // b joins after 1000 units of a, level with it: from then on they alternate.
    const counts = serve({ a: 1, b: 1 }, 1200, { present: (id, round) => id === 'a' || round >= 1000 })
    expect(counts.a).toBeGreaterThanOrEqual(1000 + 100 - 50)
    expect(counts.b).toBeLessThanOrEqual(100 + 50)
    expect(counts.b).toBeGreaterThanOrEqual(100)
  })

  it('lets a coordinator back from a long absence catch up at most DEFAULT_LAG_MS of thread time', () => {
    // b is away for 1000 units of a (10 s); back, it may make up 5 s = 500 units, then they alternate.
    const present = (id: string, round: number): boolean => id === 'a' || round < 100 || round >= 1100
    const before = serve({ a: 1, b: 1 }, 1100, { present })
    const after = serve({ a: 1, b: 1 }, 2100, { present })
    const b = after.b! - before.b!
    expect(b).toBeGreaterThanOrEqual(DEFAULT_LAG_MS / 10 + 250 - 1)
    expect(b).toBeLessThanOrEqual(DEFAULT_LAG_MS / 10 + 250 + 1)
  })

  it('lets a coordinator briefly without queued work catch up what it missed', () => {
    // b misses every 4th round (a pull in flight); bounded catch-up keeps the 1:1 share.
    const counts = serve({ a: 1, b: 1 }, 1000, { present: (id, round) => id === 'a' || round % 4 !== 0 })
    expect(Math.abs(counts.a! - counts.b!)).toBeLessThanOrEqual(2)
  })

  it('picks nothing from nothing', () => {
    expect(new FairShare().pick([])).toBeUndefined()
  })

  it('competing: weighted accounts if any, else backups as equals', () => {
    expect(competing([{ id: 'a', weight: 2 }, { id: 'b', weight: 0 }])).toEqual([{ id: 'a', weight: 2, share: 2 }])
    expect(competing([{ id: 'a', weight: 0 }, { id: 'b', weight: 0 }]).map((c) => c.share)).toEqual([1, 1])
  })
})

describe('planPulls', () => {
  const c = (id: string, fields: Partial<PullCandidate> = {}): PullCandidate => ({ id, weight: 1, pullable: true, held: 0, pulling: 0, ...fields })

  it.each([
    {
      name: 'one coordinator gets every free slot, as before weights existed',
      candidates: [c('a', { held: 2 })],
      slots: 10,
      prefetch: 8,
      plan: [{ id: 'a', units: 8 }]
    },
    {
      name: 'waits until half the prefetch is free, so pulls are batched',
      candidates: [c('a', { held: 7 })],
      slots: 10,
      prefetch: 8,
      plan: []
    },
    {
      name: 'weights 3:1 divide the slots 3:1',
      candidates: [c('a', { weight: 3 }), c('b')],
      slots: 12,
      prefetch: 10,
      plan: [{ id: 'a', units: 9 }, { id: 'b', units: 3 }]
    },
    {
      name: 'a coordinator holding more than its share leaves the rest to the other',
      candidates: [c('a', { weight: 3, held: 4 }), c('b', { held: 8 })],
      slots: 12,
      prefetch: 10,
      plan: []
    },
    {
      name: 'a coordinator without work gives its share away (work conserving)',
      candidates: [c('a', { weight: 3, pullable: false }), c('b')],
      slots: 12,
      prefetch: 10,
      plan: [{ id: 'b', units: 12 }]
    },
    {
      name: 'a coordinator whose pull is in flight keeps its share reserved',
      candidates: [c('a', { weight: 3, pullable: false, pulling: 9 }), c('b')],
      slots: 12,
      prefetch: 10,
      plan: [{ id: 'b', units: 3 }]
    },
    {
      name: 'a backup is pulled from only when no weighted coordinator has work',
      candidates: [c('main', { pullable: false }), c('backup', { weight: 0 })],
      slots: 4,
      prefetch: 2,
      plan: [{ id: 'backup', units: 4 }]
    },
    {
      name: 'and not while one has',
      candidates: [c('main'), c('backup', { weight: 0 })],
      slots: 4,
      prefetch: 2,
      plan: [{ id: 'main', units: 4 }]
    },
    {
      name: 'never asks for more than the free slots',
      candidates: [c('a', { held: 5 }), c('b'), c('c')],
      slots: 6,
      prefetch: 4,
      plan: [{ id: 'b', units: 1 }]
    }
  ])('$name', ({ candidates, slots, prefetch, plan }) => {
    expect(planPulls(candidates, { slots, prefetch })).toEqual(plan)
  })
})
