import { describe, expect, it } from '@jest/globals'
import { BootstrapDialer, reachedBootstrap } from '../../worker/bootstrap-dialer.ts'

const COORDINATOR = '12D3KooWEfvnvXKSmq9M7f13mbdXLqTKhdicz1evuHfkwvam8yY3'
const OTHER = '12D3KooWLEuedt9R37CKXgHtPqLQLvMaL9QQ39KffYpPxoDMSamC'
const ADDRESS = `/ip4/127.0.0.1/tcp/4001/p2p/${COORDINATOR}`

describe('reachedBootstrap', () => {
  it.each<[string, string[], string[], boolean]>([
    ['nobody connected', [ADDRESS], [], false],
    ['only a peer off the list connected', [ADDRESS], [OTHER], false],
    ['the bootstrap peer connected', [ADDRESS], [COORDINATOR], true],
    ['one of several bootstrap peers connected', [`/ip4/127.0.0.1/tcp/4002/p2p/${OTHER}`, ADDRESS], [COORDINATOR], true],
    ['an empty list', [], [COORDINATOR], false]
  ])('%s', (_, list, connected, expected) => {
    expect(reachedBootstrap(list, new Set(connected))).toBe(expected)
  })
})

describe('BootstrapDialer', () => {
  /** A node that records dials and reports the given connections; dials fail as if refused. */
  const fakeNode = (connected: string[]): { dials: string[], node: ConstructorParameters<typeof BootstrapDialer>[0] } => {
    const dials: string[] = []
    const node = {
      getConnections: () => connected.map((id) => ({ remotePeer: { toString: () => id } })),
      dial: async (addr: { toString: () => string }) => { dials.push(addr.toString()); throw new Error('ECONNREFUSED') }
    } as unknown as ConstructorParameters<typeof BootstrapDialer>[0]
    return { dials, node }
  }

  it('dials while only other peers are connected, backing off between attempts', () => {
    const { dials, node } = fakeNode([OTHER])
    const dialer = new BootstrapDialer(node, [ADDRESS])
    dialer.tick(0)
    dialer.tick(100) // within the first backoff (at least 400 ms)
    expect(dials).toEqual([ADDRESS])
    dialer.tick(60_000)
    expect(dials).toEqual([ADDRESS, ADDRESS])
  })

  it('stops dialling once a bootstrap peer is connected', () => {
    const { dials, node } = fakeNode([COORDINATOR])
    new BootstrapDialer(node, [ADDRESS]).tick(0)
    expect(dials).toEqual([])
  })
})
