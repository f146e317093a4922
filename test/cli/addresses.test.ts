import { createServer } from 'node:net'
import { describe, expect, it } from '@jest/globals'
import { multiaddr } from '@multiformats/multiaddr'
import { bindableOf, checkListenable, parseAddress } from '../../cli/addresses.ts'
import { CliError } from '../../cli/errors.ts'

function usageError (action: () => unknown): { exitCode: number, message: string } | undefined {
  try {
    action()
  } catch (err) {
    if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message }
    throw err
  }
  return undefined
}

describe('parseAddress', () => {
  it.each<[string, 'listen' | 'bootstrap' | 'coordinator', string, RegExp | undefined]>([
    ['a listen address', 'listen', '/ip4/0.0.0.0/tcp/4001', undefined],
    ['a coordinator without a peer id (found during the handshake)', 'coordinator', '/ip4/127.0.0.1/tcp/4001', undefined],
    ['a bootstrap address with its peer id', 'bootstrap', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWQnsdHFZceY2jQko69rrF9K27RgmDQwM1Mkb6tn1hSoML', undefined],
    ['text that is no multiaddr', 'listen', 'localhost:4001', /^listen address "localhost:4001" is not a multiaddr \(.+\); expected something like \/ip4\//],
    ['a bad port', 'coordinator', '/ip4/127.0.0.1/tcp/99999999', /^coordinator address "\/ip4\/127.0.0.1\/tcp\/99999999" is not a multiaddr/],
    ['a bootstrap address without a peer id', 'bootstrap', '/ip4/127.0.0.1/tcp/4001', /has no \/p2p\/<peer id>/]
  ])('%s', (_, role, value, problem) => {
    const error = usageError(() => parseAddress(role, value))
    if (problem == null) expect(error).toBeUndefined()
    else expect(error).toEqual({ exitCode: 2, message: expect.stringMatching(problem) })
  })
})

describe('bindableOf', () => {
  it.each([
    ['/ip4/127.0.0.1/tcp/4001', { transport: 'tcp', host: '127.0.0.1', port: 4001 }],
    ['/ip4/0.0.0.0/tcp/4001/ws', { transport: 'tcp', host: '0.0.0.0', port: 4001 }],
    ['/ip6/::1/udp/4002/webrtc-direct', { transport: 'udp', host: '::1', port: 4002 }],
    ['/ip4/127.0.0.1/tcp/0', undefined],
    ['/dns4/localhost/tcp/4001', undefined]
  ])('%s', (addr, expected) => {
    expect(bindableOf(multiaddr(addr))).toEqual(expected)
  })
})

describe('checkListenable', () => {
  it('passes free and any-port addresses, and names the first one whose port is taken', async () => {
    const server = createServer()
    const busy = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)))
    try {
      await expect(checkListenable(['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/webrtc-direct'])).resolves.toBeUndefined()
      await expect(checkListenable(['/ip4/127.0.0.1/tcp/0', `/ip4/127.0.0.1/tcp/${busy}/ws`])).rejects.toMatchObject({
        exitCode: 1,
        message: `cannot listen on /ip4/127.0.0.1/tcp/${busy}/ws: the port is in use by another process; stop it or choose another port`
      })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
