import { afterEach, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import type { Message, Subscription } from '@libp2p/gossipsub'
import { BANNED_APP_SCORE, DISCOVERY_TOPIC } from '../../protocols/constants-net.ts'
import { createPeerGridNode, multiaddrStrings, NodeConfigError, type PeerGridNodeInit, type TopicVerdict } from '../../protocols/node.ts'
import { handle, request } from '../../protocols/stream.ts'
import { connected, nextEvent, TestNodes } from './nodes.ts'

const TOPIC = 'peergrid-test/topic/1'
const utf8 = new TextEncoder()
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

const nodes = new TestNodes()

afterEach(async () => {
  await nodes.stopAll()
})

describe('createPeerGridNode', () => {
  it('listens on loopback TCP, WebSockets and WebRTC-direct by default and announces its peer id', async () => {
    const node = await nodes.start({ pubsub: false, listen: undefined, transports: undefined })

    const addrs = multiaddrStrings(node)
    const transports = addrs.map((addr) => multiaddr(addr).getComponents().map((c) => c.name))
    expect(transports.some((names) => names.includes('tcp') && !names.includes('ws'))).toBe(true)
    expect(transports.some((names) => names.includes('ws'))).toBe(true)
    expect(transports.some((names) => names.includes('webrtc-direct') && names.includes('certhash'))).toBe(true)
    for (const addr of addrs) {
      expect(addr.startsWith('/ip4/127.0.0.1/')).toBe(true)
      expect(addr.endsWith(`/p2p/${node.peerId.toString()}`)).toBe(true)
    }
  })

  it('has no addresses when told to listen on nothing, as a client', async () => {
    const node = await nodes.start({ pubsub: false, listen: [] })

    expect(multiaddrStrings(node)).toEqual([])
  })

  it('connects to its bootstrap peers by itself', async () => {
    const server = await nodes.start({ pubsub: false })
    const worker = await nodes.start({ pubsub: false, listen: [], bootstrap: [multiaddrStrings(server)[0]!] })

    await connected(worker, server.peerId)
    expect(worker.getConnections(server.peerId)[0]?.remoteAddr.toString()).toContain('/ip4/127.0.0.1/tcp/')
  })

  it('reaches a server and exchanges a frame when WebRTC-direct is its only transport', async () => {
    const server = await nodes.start({ pubsub: false, listen: undefined, transports: undefined })
    const browserLike = await nodes.start({ pubsub: false, listen: [], transports: ['webrtc-direct'] })
    await handle(server, '/peergrid-test/upper/1.0.0', async (frames) => {
      const frame = await frames.read()
      await frames.write(utf8.encode(text(frame ?? new Uint8Array()).toUpperCase()))
    })
    const webrtcAddr = multiaddrStrings(server).find((addr) => addr.includes('/webrtc-direct/'))!

    const response = await request(browserLike, webrtcAddr, '/peergrid-test/upper/1.0.0', utf8.encode('over webrtc'))

    expect(text(response)).toBe('OVER WEBRTC')
    const [connection] = browserLike.getConnections(server.peerId)
    expect(connection?.remoteAddr.toString()).toContain('/webrtc-direct/')
  })

  it.each<[string, Partial<PeerGridNodeInit>, RegExp]>([
    ['discovery without pubsub', { pubsub: false, discovery: true }, /set pubsub: true/],
    ['topic validators without pubsub', { pubsub: false, topicValidators: { t: () => 'accept' } }, /set pubsub: true/],
    ['a bootstrap address without a peer id', { bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, /has no \/p2p\/<peer id>/],
    ['a bootstrap address that is not a multiaddr', { bootstrap: ['127.0.0.1:4001'] }, /is not a multiaddr/],
    ['a listen address that is not a multiaddr', { listen: ['localhost:4001'] }, /is not a multiaddr/],
    ['a listen address whose transport is off', { transports: ['tcp'], listen: ['/ip4/127.0.0.1/tcp/0/ws'] }, /needs the ws transport/],
    ['no transports', { transports: [] }, /enable at least one/]
  ])('refuses %s', async (_name, init, message) => {
    const creating = createPeerGridNode({ privateKey: await generateKeyPair('Ed25519'), pubsub: false, ...init })

    await expect(creating).rejects.toThrow(NodeConfigError)
    await expect(creating).rejects.toThrow(message)
  })
})

describe('gossipsub', () => {
  it('delivers signed messages and withholds those the topic validator rejects', async () => {
    const judged: string[] = []
    const bothJudged = Promise.withResolvers<void>()
    const validator = (message: Message & { type: 'signed' }): TopicVerdict => {
      judged.push(text(message.data))
      if (judged.length === 2) bothJudged.resolve()
      return text(message.data).startsWith('valid') ? 'accept' : 'reject'
    }
    const a = await nodes.start({ pubsub: true })
    const b = await nodes.start({ pubsub: true, topicValidators: { [TOPIC]: validator } })
    const delivered: Message[] = []
    const validDelivered = Promise.withResolvers<void>()
    b.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic !== TOPIC) return
      delivered.push(event.detail)
      if (text(event.detail.data) === 'valid announcement') validDelivered.resolve()
    })
    b.services.pubsub.subscribe(TOPIC)
    const bSubscribed = nextEvent(a.services.pubsub, 'subscription-change', (event) =>
      event.detail.peerId.equals(b.peerId) && event.detail.subscriptions.some((change: Subscription) => change.topic === TOPIC && change.subscribe))
    await a.dial(b.getMultiaddrs())
    await bSubscribed

    await a.services.pubsub.publish(TOPIC, utf8.encode('forged'))
    await a.services.pubsub.publish(TOPIC, utf8.encode('valid announcement'))
    await Promise.all([bothJudged.promise, validDelivered.promise])

    expect(judged.sort()).toEqual(['forged', 'valid announcement'])
    expect(delivered.map((message) => text(message.data))).toEqual(['valid announcement'])
    const [message] = delivered
    if (message?.type !== 'signed') throw new Error(`expected a signed message, got ${message?.type}`)
    expect(message.from.equals(a.peerId)).toBe(true)
    expect(message.key.equals(a.peerId.publicKey)).toBe(true)
    expect(message.signature.byteLength).toBe(64)
  })

  it('prunes a peer from the mesh once its application score says it is banned', async () => {
    const banned = new Set<string>()
    const a = await nodes.start({ pubsub: true })
    const b = await nodes.start({
      pubsub: true,
      appScore: (peerId) => banned.has(peerId) ? BANNED_APP_SCORE : 0
    })
    const isA = (event: CustomEvent<{ peerId: string, topic: string }>): boolean =>
      event.detail.peerId === a.peerId.toString() && event.detail.topic === TOPIC
    const grafted = nextEvent(b.services.pubsub, 'gossipsub:graft', isA)
    a.services.pubsub.subscribe(TOPIC)
    b.services.pubsub.subscribe(TOPIC)
    await a.dial(b.getMultiaddrs())
    await grafted

    const pruned = nextEvent(b.services.pubsub, 'gossipsub:prune', isA)
    banned.add(a.peerId.toString())

    await pruned
  })
})

describe('pubsub peer discovery', () => {
  it('lets a peer that bootstraps to B learn of A from its signed announcement and connect to it', async () => {
    const discovery = { pubsub: true, discovery: true, discoveryIntervalMs: 200 } as const
    const a = await nodes.start(discovery)
    const b = await nodes.start({ ...discovery, bootstrap: [multiaddrStrings(a)[0]!] })
    await connected(b, a.peerId)
    const c = await nodes.start({ ...discovery, bootstrap: [multiaddrStrings(b)[0]!] })

    const heard = await nextEvent(c.services.discovery!, 'peer', (event) => event.detail.id.equals(a.peerId))
    await connected(c, a.peerId)

    expect(heard.detail.multiaddrs.map(String)).toEqual(multiaddrStrings(a))
    expect(c.services.pubsub.getTopics()).toContain(DISCOVERY_TOPIC)
  })
})
