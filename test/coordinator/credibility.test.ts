import { describe, expect, it } from '@jest/globals'
import { acceptProven, evaluateCredibility, groupProbabilities, independentVotes, networkOf, observedErrorRate, peerCredibility, type Vote } from '../../coordinator/credibility.ts'
import type { QuorumVerdict, ReportedResult } from '../../coordinator/quorum.ts'

describe('peerCredibility', () => {
  it.each<[string, number, boolean, number, number]>([
    ['a newcomer is worth 1 − f', 0, false, 0.3, 0.7],
    ['banned is worth nothing', 50, true, 0.3, 0],
    ['never below a newcomer (large f)', 1, false, 0.7, 0.3 - 1e-13],
    ['10 verified at f = 0.2', 10, false, 0.2, 1 - 0.2 / (0.8 * Math.E * 10)],
    ['1000 verified at f = 0.3', 1000, false, 0.3, 1 - 0.3 / (0.7 * Math.E * 1000)]
  ])('%s', (_name, verified, banned, f, expected) => {
    expect(peerCredibility({ verified, banned }, f)).toBeCloseTo(expected, 12)
  })

  it('grows with verified history', () => {
    const values = [0, 1, 5, 20, 100, 1000].map((verified) => peerCredibility({ verified, banned: false }, 0.2))
    expect([...values].sort((a, b) => a - b)).toEqual(values)
  })
})

const vote = (peer: string, credibility: number, network = `net-${peer}`, young = false): Vote => ({ peer, credibility, network, young })

describe('independentVotes', () => {
  it.each<[string, Vote[], string[][], ((a: string, b: string) => boolean) | null]>([
    ['distinct networks stay apart', [vote('a', 0.9), vote('b', 0.9)], [['a'], ['b']], null],
    ['one network is one vote', [vote('a', 0.9, 'n1'), vote('b', 0.9, 'n1'), vote('c', 0.9)], [['a', 'b'], ['c']], null],
    ['young peers vote together', [vote('a', 0.7, 'n1', true), vote('b', 0.7, 'n2', true), vote('c', 0.99)], [['a', 'b'], ['c']], null],
    ['known colluders vote together', [vote('a', 0.99), vote('b', 0.99), vote('c', 0.99)], [['a', 'b'], ['c']], (x, y) => [x, y].sort().join() === 'a,b'],
    ['merging is transitive', [vote('a', 0.9, 'n1'), vote('b', 0.9, 'n1', true), vote('c', 0.9, 'n2', true)], [['a', 'b', 'c']], null]
  ])('%s', (_name, votes, expected, colluded) => {
    const clusters = independentVotes(votes, colluded ?? undefined).map((c) => c.map((v) => v.peer).sort()).sort()
    expect(clusters).toEqual(expected)
  })
})

describe('groupProbabilities', () => {
  it.each<[string, Record<string, number[]>, Record<string, number>]>([
    ['one newcomer', { x: [0.7] }, { x: 0.7 }],
    ['two agreeing newcomers', { x: [0.7, 0.7] }, { x: 0.49 / (0.49 + 0.09) }],
    ['two disagreeing equals', { x: [0.9], y: [0.9] }, { x: 0.09 / (0.09 + 0.09 + 0.01), y: 0.09 / (0.19) }],
    ['a veteran against a newcomer', { x: [0.999], y: [0.7] }, { x: (0.999 * 0.3) / (0.999 * 0.3 + 0.7 * 0.001 + 0.001 * 0.3) }]
  ])('%s', (_name, groups, expected) => {
    const p = groupProbabilities(new Map(Object.entries(groups)))
    for (const [digest, value] of Object.entries(expected)) expect(p.get(digest)).toBeCloseTo(value, 9)
  })

  it('does not underflow with hundreds of votes', () => {
    const p = groupProbabilities(new Map([['x', new Array(400).fill(0.99)], ['y', new Array(300).fill(0.99)]]))
    expect(p.get('x')).toBeGreaterThan(0.999)
  })
})

describe('evaluateCredibility', () => {
  const rule = { errorRate: 1e-4, maxMaliciousFraction: 0.2, minQuorum: 1, maxReplicas: 6 }
  const book: Record<string, Vote> = {
    vet1: { ...vote('vet1', 0.99995), errorRate: 1e-5 }, vet2: vote('vet2', 0.999), vet3: vote('vet3', 0.999),
    new1: vote('new1', 0.8, 'n-new1', true), new2: vote('new2', 0.8, 'n-new2', true), new3: vote('new3', 0.8, 'n-new3', true),
    mid1: vote('mid1', 0.995), mid2: vote('mid2', 0.995, 'shared'), mid3: vote('mid3', 0.995, 'shared')
  }
  const voteOf = (peer: string): Vote => book[peer]!
  const r = (peer: string, digest?: string): ReportedResult => digest == null ? { peer } : { peer, digest }

  it.each<[string, ReportedResult[], number, QuorumVerdict]>([
    ['nothing yet: one replica', [], 0, { verdict: 'pending', more: 1 }],
    ['a replica is out: wait', [], 1, { verdict: 'pending', more: 0 }],
    ['a veteran of high credibility alone is enough', [r('vet1', 'x')], 0, { verdict: 'accept', digest: 'x', peers: ['vet1'] }],
    ['a lesser veteran alone is not', [r('vet2', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['two lesser veterans agreeing are', [r('vet2', 'x'), r('vet3', 'x')], 0, { verdict: 'accept', digest: 'x', peers: ['vet2', 'vet3'] }],
    ['young sybils agreeing never are', [r('new1', 'x'), r('new2', 'x'), r('new3', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['two peers of one network count once', [r('mid2', 'x'), r('mid3', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['the same two on distinct networks count twice', [r('mid1', 'x'), r('mid2', 'x')], 0, { verdict: 'accept', digest: 'x', peers: ['mid1', 'mid2'] }],
    ['a disagreement holds acceptance back', [r('vet2', 'x'), r('vet3', 'x'), r('mid1', 'y')], 0, { verdict: 'pending', more: 1 }],
    ['errors are not votes', [r('vet2'), r('vet3', 'x')], 0, { verdict: 'pending', more: 1 }],
    ['the replica limit fails the unit', [r('new1', 'a'), r('new2', 'b'), r('new3', 'c'), r('mid1', 'd'), r('mid2', 'e'), r('vet2', 'f')], 0, { verdict: 'fail', reason: 'no result reached credibility 0.9999 within 6 results' }]
  ])('%s', (_name, results, outstanding, expected) => {
    expect(evaluateCredibility(results, outstanding, rule, voteOf)).toEqual(expected)
  })

  it('never accepts a newcomer alone, even with a lax error rate', () => {
    expect(evaluateCredibility([r('new1', 'x')], 0, { ...rule, errorRate: 0.5 }, voteOf)).toEqual({ verdict: 'pending', more: 1 })
  })

  it('does not accept a veteran alone whose own error rate exceeds ε', () => {
    expect(evaluateCredibility([r('vet1', 'x')], 0, rule, (p) => ({ ...voteOf(p), errorRate: 2e-4 }))).toEqual({ verdict: 'pending', more: 1 })
  })

  it('honours minQuorum above credibility', () => {
    expect(evaluateCredibility([r('vet1', 'x')], 0, { ...rule, minQuorum: 2 }, voteOf)).toEqual({ verdict: 'pending', more: 1 })
  })
})

describe('acceptProven', () => {
  it.each<[string, ReportedResult[], string, string[]]>([
    ['a lone newcomer', [{ peer: 'young', digest: 'N' }], 'N', ['young']],
    ['every peer that returned it, once each', [{ peer: 'a', digest: 'N' }, { peer: 'b', digest: 'X' }, { peer: 'c', digest: 'N' }, { peer: 'a', digest: 'N' }], 'N', ['a', 'c']],
    ['a peer whose first answer differed backs only that one', [{ peer: 'a', digest: 'X' }, { peer: 'a', digest: 'N' }, { peer: 'b', digest: 'N' }], 'N', ['b']],
    ['errors are no votes', [{ peer: 'e' }, { peer: 'a', digest: 'N' }], 'N', ['a']]
  ])('accepts the proven digest: %s', (_name, results, digest, peers) => {
    expect(acceptProven(results, digest)).toEqual({ verdict: 'accept', digest, peers })
  })
})

describe('observedErrorRate', () => {
  it.each<[number, number, number]>([[0, 0, 1 / 2], [5000, 0, 1 / 5002], [5000, 5, 6 / 5007]])('%d verified, %d invalid', (verified, invalid, expected) => {
    expect(observedErrorRate({ verified, invalid, banned: false })).toBeCloseTo(expected, 12)
  })
})

describe('networkOf', () => {
  it.each<[string | null, string]>([
    ['/ip4/203.0.113.7/tcp/4001', 'ip4:203.0.113'],
    ['/ip4/203.0.113.200/udp/9/webrtc-direct', 'ip4:203.0.113'],
    ['/ip6/2001:db8:1:2::5/tcp/1', 'ip6:2001:db8:1'],
    ['/ip4/127.0.0.1/tcp/1', 'peer:P'],
    [null, 'peer:P']
  ])('%s', (address, expected) => {
    expect(networkOf(address, 'P')).toBe(expected)
  })
})
