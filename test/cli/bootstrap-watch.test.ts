import { describe, expect, it } from '@jest/globals'
import type { PeerId } from '@libp2p/interface'
import { dialFailureReason, watchBootstrap, type BootstrapHost } from '../../cli/bootstrap-watch.ts'
import { eventually } from '../helpers/processes.ts'

const PEER = '12D3KooWQnsdHFZceY2jQko69rrF9K27RgmDQwM1Mkb6tn1hSoML'
const ADDRESS = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`

/** A node whose dials fail (or succeed) as told, and which can announce a connection. */
class FakeNode extends EventTarget {
  dials = 0
  fail: Error | undefined
  constructor (fail?: Error) {
    super()
    this.fail = fail
  }

  async dial (): Promise<unknown> {
    this.dials++
    if (this.fail != null) throw this.fail
    return {}
  }

  getConnections (): [] { return [] }

  connect (peer: string): void {
    this.dispatchEvent(new CustomEvent('peer:connect', { detail: { toString: () => peer } as unknown as PeerId }))
  }
}

function watch (node: FakeNode, addresses: string[]): { lines: string[], reached: string[], stop: () => void } {
  const lines: string[] = []
  const reached: string[] = []
  const stop = watchBootstrap(node as unknown as BootstrapHost, addresses, { unreachable: (line) => lines.push(line), reached: (peer) => reached.push(peer) })
  return { lines, reached, stop }
}

describe('dialFailureReason', () => {
  it.each<[string, unknown, string]>([
    ['a refused connection', new Error('connection error 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1'), 'connection refused: nothing listens there (yet)'],
    ['a refusal in the cause', Object.assign(new Error('All multiaddr dials failed'), { cause: new Error('connect ECONNREFUSED') }), 'connection refused: nothing listens there (yet)'],
    ['an abort', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'no answer within 10 s'],
    ['an unreachable network', new Error('connect EHOSTUNREACH 10.0.0.1:4001'), 'the host or its network is unreachable'],
    ['anything else', new Error('encryption handshake failed\nat noise'), 'encryption handshake failed']
  ])('%s', (_, err, reason) => {
    expect(dialFailureReason(err)).toBe(reason)
  })
})

describe('watchBootstrap', () => {
  it('says nothing when a bootstrap peer answers', async () => {
    const node = new FakeNode()
    const { lines } = watch(node, [ADDRESS])
    await eventually(() => node.dials === 1 ? true : undefined, 1000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(lines).toEqual([])
  })

  it('reports one line when none answers, then the peer that connects later', async () => {
    const node = new FakeNode(new Error('connect ECONNREFUSED 127.0.0.1:4001'))
    const { lines, reached } = watch(node, [ADDRESS])
    await eventually(() => lines.length > 0 ? true : undefined, 1000, 'the report')
    expect(lines).toEqual([`cannot reach bootstrap peer ${ADDRESS}: connection refused: nothing listens there (yet); still trying in the background (a worker may start before its coordinator)`])
    node.connect('someone-else')
    node.connect(PEER)
    node.connect(PEER)
    expect(reached).toEqual([PEER])
  })

  it('counts several addresses in one line', async () => {
    const node = new FakeNode(new Error('connect ECONNREFUSED'))
    const { lines } = watch(node, [ADDRESS, `/ip4/127.0.0.1/tcp/4002/p2p/${PEER}`])
    await eventually(() => lines.length > 0 ? true : undefined, 1000, 'the report')
    expect(lines[0]).toMatch(/^cannot reach any of the 2 bootstrap peers \(first: \/ip4\/127\.0\.0\.1\/tcp\/4001\/p2p\/12D3KooW/)
  })

  it('stays silent once stopped', async () => {
    const node = new FakeNode(new Error('connect ECONNREFUSED'))
    const { lines, stop } = watch(node, [ADDRESS])
    stop()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(lines).toEqual([])
  })
})
