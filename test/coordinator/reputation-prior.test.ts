import { describe, expect, it } from '@jest/globals'
import { DEFAULT_REPORTER_TRUST, priorScore } from '../../coordinator/reputation-prior.ts'

describe('priorScore', () => {
  const t = DEFAULT_REPORTER_TRUST
  it.each<[string, Array<{ trust: number, standing: { score: number, state: string } }>, number | undefined]>([
    ['nobody reported the peer', [], undefined],
    ['reporters we do not trust at all are ignored', [{ trust: 0, standing: { score: 0, state: 'banned' } }], undefined],
    ['a banned report pulls the prior down, but our own default weighs more', [{ trust: t, standing: { score: 0.9, state: 'banned' } }], 0.5 / (1 + t)],
    ['a fully trusted good report lifts it', [{ trust: 1, standing: { score: 1, state: 'trusted' } }], 0.75],
    ['reports blend by trust', [{ trust: 1, standing: { score: 1, state: 'trusted' } }, { trust: 1, standing: { score: 0, state: 'banned' } }], 0.5]
  ])('%s', (_name, reports, expected) => {
    const prior = priorScore(0.5, reports)
    if (expected === undefined) expect(prior).toBeUndefined()
    else expect(prior).toBeCloseTo(expected, 10)
  })
})
