import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { BootstrapRedial, peerIdOfAddress, reachedBootstrap, type BootstrapRedialComponents } from '../../protocols/bootstrap-redial.ts'
import { freePort } from '../helpers/ports.ts'
import { TestNodes } from './nodes.ts'

const COORDINATOR = '12D3KooWEfvnvXKSmq9M7f13mbdXLqTKhdicz1evuHfkwvam8yY3'
const OTHER = '12D3KooWLEuedt9R37CKXgHtPqLQLvMaL9QQ39KffYpPxoDMSamC'
const ADDRESS = `/ip4/127.0.0.1/tcp/4001/p2p/${COORDINATOR}`

describe('peerIdOfAddress', () => {
  it.each<[string, string | undefined]>([
    [ADDRESS, COORDINATOR],
    ['/ip4/127.0.0.1/tcp/4001', undefined],
    [`/ip4/127.0.0.1/tcp/4001/p2p/${OTHER}/p2p-circuit/p2p/${COORDINATOR}`, COORDINATOR]
  ])('%s', (addr, expected) => {
    expect(peerIdOfAddress(addr)).toBe(expected)
  })
})

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

describe('BootstrapRedial', () => {
  /** Components whose dials are recorded (with their time) and fail as if refused. */
  const fakeComponents = (connected: string[]): { dials: number[], signals: AbortSignal[], components: BootstrapRedialComponents } => {
    const dials: number[] = []
    const signals: AbortSignal[] = []
    const log = Object.assign(() => {}, { enabled: false, trace: () => {}, error: () => {}, newScope: () => log })
    const components = {
      connectionManager: {
        getConnections: () => connected.map((id) => ({ remotePeer: { toString: () => id } })),
        openConnection: async (_addr: unknown, options: { signal: AbortSignal }) => {
          dials.push(Date.now())
          signals.push(options.signal)
          throw new Error('ECONNREFUSED')
        }
      },
      logger: { forComponent: () => log }
    } as unknown as BootstrapRedialComponents
    return { dials, signals, components }
  }
  let redial: BootstrapRedial | undefined

  beforeEach(() => { jest.useFakeTimers({ now: 0 }) })
  afterEach(() => {
    redial?.stop()
    jest.useRealTimers()
  })

  it('dials in rounds while only other peers are connected, backing off to the maximum', () => {
    const { dials, components } = fakeComponents([OTHER])
    redial = new BootstrapRedial(components, { list: [ADDRESS], maxBackoffMs: 4000 })
    redial.start()
    jest.advanceTimersByTime(399) // the first round waits at least 500 ms - 20%
    expect(dials).toEqual([])
    jest.advanceTimersByTime(60_000)
    const gaps = dials.slice(1).map((at, i) => at - dials[i]!)
    expect(gaps.length).toBeGreaterThan(10)
    // Each gap is at least the one before less the jitter, and never beyond the maximum + 20%.
    gaps.forEach((gap, i) => { if (i > 0) expect(gap).toBeGreaterThanOrEqual(gaps[i - 1]! * 0.8 / 1.2 - 1) })
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4800)
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(3200)
    expect(redial.failedRounds).toBe(dials.length)
  })

  it('does not dial while a bootstrap peer is connected, and resumes when it is gone', () => {
    const connected = [COORDINATOR]
    const { dials, components } = fakeComponents(connected)
    redial = new BootstrapRedial(components, { list: [ADDRESS], checkMs: 1000 })
    redial.start()
    jest.advanceTimersByTime(30_000)
    expect(dials).toEqual([])
    expect(redial.reached).toBe(true)
    connected.pop()
    jest.advanceTimersByTime(1000) // one check
    expect(dials.length).toBeGreaterThanOrEqual(1)
    expect(redial.reached).toBe(false)
  })

  it('stops dialling and aborts dials in flight when stopped', () => {
    const { dials, signals, components } = fakeComponents([])
    redial = new BootstrapRedial(components, { list: [ADDRESS, `/ip4/127.0.0.1/tcp/4002/p2p/${OTHER}`] })
    redial.start()
    jest.advanceTimersByTime(700)
    expect(dials.length).toBe(2)
    redial.stop()
    expect(signals.every((s) => s.aborted)).toBe(true)
    jest.advanceTimersByTime(60_000)
    expect(dials.length).toBe(2)
  })

  it('does nothing without a bootstrap list', () => {
    const { dials, components } = fakeComponents([])
    redial = new BootstrapRedial(components, { list: [] })
    redial.start()
    jest.advanceTimersByTime(60_000)
    expect(dials).toEqual([])
  })
})

describe('a node whose bootstrap peer starts after it', () => {
  const nodes = new TestNodes()
  afterEach(async () => { await nodes.stopAll() })

  it('reaches that peer even while a stranger is connected to it', async () => {
    const laterKey = await generateKeyPair('Ed25519')
    const laterId = peerIdFromPrivateKey(laterKey).toString()
    const port = await freePort()
    const early = await nodes.start({ pubsub: false, bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${laterId}`] })
    // A peer that knows nobody else, as one that bootstrapped from `early` would be.
    const stranger = await nodes.start({ pubsub: false, listen: [] })
    await stranger.dial(multiaddr(early.getMultiaddrs()[0]!))
    expect(early.services.bootstrapRedial?.reached).toBe(false)

    await nodes.start({ pubsub: false, privateKey: laterKey, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    const reached = new Promise<void>((resolve) => {
      early.addEventListener('peer:connect', (event) => { if (event.detail.toString() === laterId) resolve() })
    })
    let timer: ReturnType<typeof setTimeout> | undefined
    // Rounds back off to at most 10 s, so 20 s covers one full wait with room to spare.
    await Promise.race([reached, new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('the node did not reach its bootstrap peer within 20 s')) }, 20_000) })])
    clearTimeout(timer)
    expect(early.services.bootstrapRedial?.reached).toBe(true)
  }, 30_000)
})
