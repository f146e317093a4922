/**
 * Pubsub peer discovery on {@link DISCOVERY_TOPIC}. `@libp2p/pubsub-peer-discovery` publishes
 * each peer's public key and multiaddrs on an interval; this module adds what it leaves out:
 *
 * - a topic validator, so that an announcement must be signed by the key it announces (else
 *   any peer could plant addresses for any other peer id in everyone's peer store, and steer
 *   the whole grid into dialling a host of its choosing) and must decode strictly;
 * - the dialling: libp2p 3 no longer auto-dials discovered peers, it only stores them.
 */
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { multiaddr } from '@multiformats/multiaddr'
import protobuf from 'protobufjs'
import type { Message } from '@libp2p/gossipsub'
import type { Libp2p, Logger, PeerDiscovery } from '@libp2p/interface'
import type { PubSubPeerDiscoveryComponents } from '@libp2p/pubsub-peer-discovery'
import { MAX_ADDR_BYTES, MAX_ANNOUNCED_ADDRS } from './constants.ts'
import { DIAL_TIMEOUT_MS, DISCOVERY_DIAL_TARGET, DISCOVERY_TOPIC } from './constants-net.ts'

/** The announcement `@libp2p/pubsub-peer-discovery` publishes. */
export interface Announcement {
  publicKey: Uint8Array
  addrs: Uint8Array[]
}

/** The announcing service, published as `node.services.discovery`. */
export function discoveryService (intervalMs: number): (components: PubSubPeerDiscoveryComponents) => PeerDiscovery {
  return pubsubPeerDiscovery({ topics: [DISCOVERY_TOPIC], interval: intervalMs })
}

/**
 * Decodes `message Peer { bytes publicKey = 1; repeated bytes addrs = 2; }`, refusing unknown
 * fields and wrong wire types. Throws on any malformed input.
 */
export function decodeAnnouncement (data: Uint8Array): Announcement {
  const reader = protobuf.Reader.create(data)
  let publicKey: Uint8Array | undefined
  const addrs: Uint8Array[] = []
  while (reader.pos < reader.len) {
    const tag = reader.uint32()
    const field = tag >>> 3
    const wireType = tag & 7
    if (wireType !== 2 || (field !== 1 && field !== 2)) {
      throw new Error(`unexpected field ${field} with wire type ${wireType} in a discovery announcement`)
    }
    if (field === 1) {
      publicKey = reader.bytes()
    } else {
      addrs.push(reader.bytes())
    }
  }
  if (publicKey === undefined) {
    throw new Error('discovery announcement has no public key')
  }
  return { publicKey, addrs }
}

/** Accepts an announcement only when it decodes and its signer announces itself. */
export function validateAnnouncement (message: Message): TopicValidatorResult {
  if (message.type !== 'signed') {
    return TopicValidatorResult.Reject
  }
  try {
    const { publicKey, addrs } = decodeAnnouncement(message.data)
    if (!message.key.equals(publicKeyFromProtobuf(publicKey)) || addrs.length > MAX_ANNOUNCED_ADDRS) {
      return TopicValidatorResult.Reject
    }
    for (const bytes of addrs) {
      if (bytes.byteLength > MAX_ADDR_BYTES) {
        return TopicValidatorResult.Reject
      }
      multiaddr(bytes)
    }
    return TopicValidatorResult.Accept
  } catch {
    return TopicValidatorResult.Reject
  }
}

/**
 * Stores every peer `discovery` reports and dials it when not connected, while this node has
 * fewer than {@link DISCOVERY_DIAL_TARGET} connections. A failed dial is retried at the peer's
 * next announcement.
 */
export function dialDiscoveredPeers (node: Pick<Libp2p, 'peerStore' | 'getConnections' | 'dial'>, discovery: PeerDiscovery, log: Logger): void {
  discovery.addEventListener('peer', (event) => {
    const { id, multiaddrs } = event.detail
    const connect = async (): Promise<void> => {
      await node.peerStore.merge(id, { multiaddrs })
      if (node.getConnections(id).length > 0 || node.getConnections().length >= DISCOVERY_DIAL_TARGET) {
        return
      }
      await node.dial(id, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
    }
    connect().catch((err: unknown) => {
      log('could not dial discovered peer %p: %e', id, err)
    })
  })
}
