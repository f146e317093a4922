import { describe, expect, it } from '@jest/globals'
import { pickForPeer, type PlacementCandidate } from '../../coordinator/placement.ts'

type C = PlacementCandidate & { id: string }
const c = (id: string, need: number, peers: string[] = []): C => ({ id, need, peers: new Set(peers) })

describe('pickForPeer', () => {
  it.each<[string, C[], C[], string, number, string[]]>([
    ['fresh units in order', [], [c('u0', 2), c('u1', 2), c('u2', 2)], 'p', 2, ['u0', 'u1']],
    ['started units come first', [c('s1', 1, ['q'])], [c('u0', 2)], 'p', 2, ['s1', 'u0']],
    ['never a second replica of a unit to the same peer', [c('s1', 1, ['p']), c('s2', 1, ['q'])], [], 'p', 5, ['s2']],
    ['units that need nothing are skipped', [c('s1', 0, ['q'])], [c('u0', 2)], 'p', 2, ['u0']],
    ['max 0 gives nothing', [c('s1', 1)], [c('u0', 2)], 'p', 0, []],
    ['fewer candidates than asked', [], [c('u0', 2)], 'p', 10, ['u0']],
    ['one replica per unit per pull even if it needs two', [], [c('u0', 2)], 'p', 3, ['u0']]
  ])('%s', (_name, started, fresh, peer, max, expected) => {
    expect(pickForPeer(started, fresh, peer, max).map((x) => x.id)).toEqual(expected)
  })

  it('reads the fresh list only as far as needed', () => {
    let reads = 0
    function * fresh (): Generator<C> {
      for (let i = 0; i < 1_000_000; i++) { reads++; yield c(`u${i}`, 2) }
    }
    expect(pickForPeer([], fresh(), 'p', 3)).toHaveLength(3)
    expect(reads).toBe(3)
  })
})
