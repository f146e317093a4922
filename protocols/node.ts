/**
 * The one libp2p node factory behind every PeerGrid role: coordinators and workers listen and
 * gossip, clients only dial. Everything a peer must agree on with the rest of the grid
 * (transports, encryption, muxing, signature policy, scoring) is fixed here.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify } from '@libp2p/identify'
import { KEEP_ALIVE } from '@libp2p/interface'
import { prefixLogger } from '@libp2p/logger'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { GossipSub, Message, TopicValidatorFn } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerDiscovery, PeerId, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import {
  CONNECTION_LIMITS, DEFAULT_DISCOVERY_INTERVAL_MS, DEFAULT_SERVER_LISTEN, DISCOVERY_TOPIC,
  LOOPBACK_IPS, LOOPBACK_NETS, MAX_PUBSUB_RPC_SIZE, MAX_STREAM_WINDOW, SCORE_THRESHOLDS
} from './constants-net.ts'
import { bootstrapRedial, peerIdOfAddress, type BootstrapRedial } from './bootstrap-redial.ts'
import { dialDiscoveredPeers, discoveryService, validateAnnouncement } from './peer-discovery.ts'

export type TransportName = 'tcp' | 'ws' | 'webrtc-direct'

export const ALL_TRANSPORTS: readonly TransportName[] = ['tcp', 'ws', 'webrtc-direct']

export type TopicVerdict = 'accept' | 'reject' | 'ignore'

/**
 * Decides whether a gossipsub message is delivered and forwarded. Runs before any 'message'
 * listener sees the message; 'reject' also counts against the peer that relayed it.
 * Messages are always signed (StrictSign): `message.from` is the verified author.
 */
export type TopicValidator = (message: Message & { type: 'signed' }, relayedBy: PeerId) => TopicVerdict | Promise<TopicVerdict>

export interface PeerGridNodeInit<P extends boolean = boolean> {
  /** The peer's identity, usually from `loadOrCreateIdentity`. */
  privateKey: PrivateKey
  /** Multiaddrs to listen on; defaults to loopback on each enabled transport. Clients pass `[]`. */
  listen?: string[]
  /**
   * Peers to connect to at start, each a multiaddr ending in `/p2p/<peer id>`. Redialled with
   * backoff until one of them is connected, and each when its connection drops.
   */
  bootstrap?: string[]
  /** Transports to enable; all by default. */
  transports?: TransportName[]
  /** Run gossipsub as `node.services.pubsub`. */
  pubsub: P
  /**
   * Validator per gossipsub topic. Register them here rather than on `topicValidators` later:
   * only these topics get the scoring that makes rejected messages cost the relaying peer.
   */
  topicValidators?: Record<string, TopicValidator>
  /** Announce this peer on, and dial the peers heard on, {@link DISCOVERY_TOPIC}. Needs pubsub. */
  discovery?: boolean
  discoveryIntervalMs?: number
  /**
   * Application score of a peer (by peer id string), added to its gossipsub score: see
   * SCORE_THRESHOLDS; BANNED_APP_SCORE drops a peer from the mesh and ignores what it sends.
   */
  appScore?: (peerId: string) => number
  /** Prefix of this node's debug log namespaces (enable with DEBUG=<prefix>*). */
  logPrefix?: string
}

type CoreServices = {
  identify: Identify
  ping: Ping
  /** Present when the node was created with a bootstrap list. */
  bootstrapRedial?: BootstrapRedial
}

type PubsubServices = {
  pubsub: GossipSub
  /** Present when the node was created with `discovery: true`. */
  discovery?: PeerDiscovery
}

/** A PeerGrid libp2p node; `PeerGridNode<false>` for one created without pubsub. */
export type PeerGridNode<P extends boolean = true> = Libp2p<CoreServices & (P extends true ? PubsubServices : Record<never, never>)>

/** The node's configuration cannot work; the message says which option to change. */
export class NodeConfigError extends Error {
  override name = 'NodeConfigError'
}

/** Creates and starts a node. Stop it with `node.stop()`. */
export async function createPeerGridNode<P extends boolean> (init: PeerGridNodeInit<P>): Promise<PeerGridNode<P>> {
  const transports = init.transports ?? [...ALL_TRANSPORTS]
  const listen = init.listen ?? DEFAULT_SERVER_LISTEN.filter((addr) => transports.includes(transportOf(addr)))
  const bootstrapList = init.bootstrap ?? []
  checkConfig(init, transports, listen, bootstrapList)
  const validators = init.topicValidators ?? {}
  const validatedTopics = [...Object.keys(validators), ...(init.discovery === true ? [DISCOVERY_TOPIC] : [])]

  const logger = prefixLogger(init.logPrefix ?? 'peergrid')
  const node = await createLibp2p({
    start: false,
    privateKey: init.privateKey,
    logger,
    addresses: { listen },
    transports: transports.map(transportFactory),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW } })],
    connectionManager: { ...CONNECTION_LIMITS, allow: [...LOOPBACK_NETS] },
    peerDiscovery: bootstrapList.length === 0
      ? []
      // A keep-alive tag makes libp2p redial a bootstrap peer when the connection drops.
      : [bootstrap({ list: bootstrapList, timeout: 0, tagName: `${KEEP_ALIVE}-bootstrap` })],
    services: {
      identify: identify(),
      ping: ping(),
      ...(bootstrapList.length > 0 ? { bootstrapRedial: bootstrapRedial({ list: bootstrapList }) } : {}),
      ...(init.pubsub
        ? { pubsub: gossipsub(gossipsubOptions(init.appScore, validatedTopics)) }
        : {}),
      ...(init.discovery === true
        ? { discovery: discoveryService(init.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS) }
        : {})
    }
  })
  const services = node.services as Partial<PubsubServices>
  if (services.pubsub !== undefined) {
    for (const [topic, validator] of Object.entries(validators)) {
      services.pubsub.topicValidators.set(topic, toGossipsubValidator(validator))
    }
  }
  if (services.pubsub !== undefined && services.discovery !== undefined) {
    services.pubsub.topicValidators.set(DISCOVERY_TOPIC, (_relayedBy, message) => validateAnnouncement(message))
    dialDiscoveredPeers(node, services.discovery, logger.forComponent('peergrid:discovery'))
  }
  node.addEventListener('stop', () => { cancelAddressRefresh(node) })
  await node.start()
  return node as unknown as PeerGridNode<P>
}

/**
 * libp2p 3.3 re-arms a 1 s debounced peer-store refresh as each listener closes during
 * `stop()` and never cancels it, so a stopped server node keeps its process (or Jest worker)
 * alive for a second. The timer lives on a private field; if a later libp2p renames it this
 * does nothing and the second comes back.
 */
function cancelAddressRefresh (node: object): void {
  try {
    type Internals = { components?: { addressManager?: { _updatePeerStoreAddresses?: { stop?: () => void } } } }
    (node as Internals).components?.addressManager?._updatePeerStoreAddresses?.stop?.()
  } catch {
    // libp2p's components proxy throws for a component it does not have.
  }
}

/** The node's listen addresses as dialable strings, each ending in `/p2p/<peer id>`. */
export function multiaddrStrings (node: Pick<Libp2p, 'getMultiaddrs'>): string[] {
  return node.getMultiaddrs().map((addr) => addr.toString())
}

function checkConfig (init: PeerGridNodeInit, transports: TransportName[], listen: string[], bootstrapList: string[]): void {
  if (transports.length === 0) {
    throw new NodeConfigError('transports is empty: enable at least one of tcp, ws, webrtc-direct')
  }
  for (const name of transports) {
    if (!ALL_TRANSPORTS.includes(name)) {
      throw new NodeConfigError(`unknown transport "${name}": use tcp, ws or webrtc-direct`)
    }
  }
  for (const addr of listen) {
    let transport: TransportName
    try {
      transport = transportOf(addr)
    } catch (err) {
      throw new NodeConfigError(`listen address "${addr}" is not a multiaddr`, { cause: err })
    }
    if (!transports.includes(transport)) {
      throw new NodeConfigError(`listen address ${addr} needs the ${transport} transport: add it to transports or drop the address`)
    }
  }
  for (const addr of bootstrapList) {
    let peerId: string | undefined
    try {
      peerId = peerIdOfAddress(addr)
    } catch (err) {
      throw new NodeConfigError(`bootstrap address "${addr}" is not a multiaddr`, { cause: err })
    }
    if (peerId === undefined) {
      throw new NodeConfigError(`bootstrap address ${addr} has no /p2p/<peer id>: append the id of the peer it belongs to`)
    }
  }
  if (init.discovery === true && !init.pubsub) {
    throw new NodeConfigError('discovery runs over gossipsub: set pubsub: true or discovery: false')
  }
  if (init.topicValidators !== undefined && !init.pubsub) {
    throw new NodeConfigError('topicValidators need gossipsub: set pubsub: true')
  }
}

/** The transport that serves a multiaddr, judged by its protocol names. */
function transportOf (addr: string): TransportName {
  const names = multiaddr(addr).getComponents().map((component) => component.name)
  if (names.includes('webrtc-direct')) {
    return 'webrtc-direct'
  }
  if (names.includes('ws') || names.includes('wss')) {
    return 'ws'
  }
  return 'tcp'
}

function transportFactory (name: TransportName): ReturnType<typeof tcp> | ReturnType<typeof webSockets> | ReturnType<typeof webRTCDirect> {
  switch (name) {
    case 'tcp': return tcp()
    case 'ws': return webSockets()
    case 'webrtc-direct': return webRTCDirect()
  }
}

/**
 * Per-topic scoring for topics with validators. Invalid messages cost quadratically (three
 * graylist the relaying peer) and are forgotten slowly (half-life about two minutes). Mesh
 * delivery-rate penalties stay off: PeerGrid topics are quiet, and a quiet honest peer must
 * not look like one withholding messages.
 */
const TOPIC_SCORE_PARAMS: TopicScoreParams = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.995
})

function gossipsubOptions (appScore: ((peerId: string) => number) | undefined, validatedTopics: string[]): Parameters<typeof gossipsub>[0] {
  return {
    globalSignaturePolicy: 'StrictSign',
    allowPublishToZeroTopicPeers: true,
    // Every PeerGrid peer speaks gossipsub; floodsub peers would bypass mesh scoring.
    fallbackToFloodsub: false,
    maxInboundDataLength: MAX_PUBSUB_RPC_SIZE,
    scoreParams: {
      appSpecificScore: appScore ?? (() => 0),
      appSpecificWeight: 1,
      IPColocationFactorWhitelist: new Set(LOOPBACK_IPS),
      topics: Object.fromEntries(validatedTopics.map((topic) => [topic, TOPIC_SCORE_PARAMS]))
    },
    scoreThresholds: SCORE_THRESHOLDS
  }
}

const VERDICTS: Record<TopicVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore
}

function toGossipsubValidator (validator: TopicValidator): TopicValidatorFn {
  return async (relayedBy: PeerId, message: Message): Promise<TopicValidatorResult> => {
    if (message.type !== 'signed') {
      return TopicValidatorResult.Reject
    }
    return VERDICTS[await validator(message, relayedBy)]
  }
}
