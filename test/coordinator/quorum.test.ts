import { describe, expect, it } from '@jest/globals'
import { evaluateQuorum, groupByDigest, type QuorumVerdict, type ReportedResult } from '../../coordinator/quorum.ts'

const ok = (peer: string, digest: string): ReportedResult => ({ peer, digest })
const err = (peer: string): ReportedResult => ({ peer })

describe('groupByDigest', () => {
  it.each<[string, ReportedResult[], Record<string, string[]>]>([
    ['empty', [], {}],
    ['one group', [ok('a', 'x'), ok('b', 'x')], { x: ['a', 'b'] }],
    ['two groups', [ok('a', 'x'), ok('b', 'y'), ok('c', 'x')], { x: ['a', 'c'], y: ['b'] }],
    ['errors do not vote', [err('a'), ok('b', 'x')], { x: ['b'] }],
    ['a peer votes once, first result wins', [ok('a', 'x'), ok('a', 'y'), ok('a', 'x')], { x: ['a'] }]
  ])('%s', (_name, results, expected) => {
    expect(Object.fromEntries(groupByDigest(results))).toEqual(expected)
  })
})

describe('evaluateQuorum', () => {
  const rule = { quorum: 2, maxResults: 5 }
  it.each<[string, ReportedResult[], number, QuorumVerdict]>([
    ['nothing yet, nothing out: two replicas', [], 0, { verdict: 'pending', more: 2 }],
    ['nothing yet, two out: none more', [], 2, { verdict: 'pending', more: 0 }],
    ['one result, one out', [ok('a', 'x')], 1, { verdict: 'pending', more: 0 }],
    ['one result, none out: one more', [ok('a', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['two agree', [ok('a', 'x'), ok('b', 'x')], 0, { verdict: 'accept', digest: 'x', peers: ['a', 'b'] }],
    ['two agree while a third is out', [ok('a', 'x'), ok('b', 'x')], 1, { verdict: 'accept', digest: 'x', peers: ['a', 'b'] }],
    ['disagreement: one more', [ok('a', 'x'), ok('b', 'y')], 0, { verdict: 'pending', more: 1 }],
    ['disagreement resolved by a third', [ok('a', 'x'), ok('b', 'y'), ok('c', 'y')], 0, { verdict: 'accept', digest: 'y', peers: ['b', 'c'] }],
    ['same peer twice is not a quorum', [ok('a', 'x'), ok('a', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['an error needs a replacement', [err('a'), ok('b', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['all different up to the limit fails', [ok('a', 'p'), ok('b', 'q'), ok('c', 'r'), ok('d', 's'), ok('e', 't')], 0, { verdict: 'fail', reason: 'no 2 matching results among 5 (limit 5)' }],
    ['replicas never exceed the limit', [ok('a', 'p'), ok('b', 'q'), ok('c', 'r')], 1, { verdict: 'pending', more: 0 }],
    ['the limit reached with leases out waits for them', [ok('a', 'p'), ok('b', 'q'), ok('c', 'r'), ok('d', 's')], 1, { verdict: 'pending', more: 0 }]
  ])('%s', (_name, results, outstanding, expected) => {
    expect(evaluateQuorum(results, outstanding, rule)).toEqual(expected)
  })

  it('quorum 1 accepts the first valid result', () => {
    expect(evaluateQuorum([ok('a', 'x')], 0, { quorum: 1, maxResults: 3 })).toEqual({ verdict: 'accept', digest: 'x', peers: ['a'] })
  })

  it('quorum 3 counts three distinct peers', () => {
    expect(evaluateQuorum([ok('a', 'x'), ok('b', 'x')], 0, { quorum: 3, maxResults: 6 })).toEqual({ verdict: 'pending', more: 1 })
  })
})
