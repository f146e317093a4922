/**
 * Defaults and limits of the libp2p node and its streams. Protocol ids and topics live in
 * `ids.ts`, wire-format size limits in `constants.ts`.
 */
import { TOPICS } from './ids.ts'

/** Gossipsub topic on which peers periodically announce their peer id and multiaddrs. */
export const DISCOVERY_TOPIC = TOPICS.discovery

/** How often a peer re-announces itself on {@link DISCOVERY_TOPIC}. */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 10_000

/**
 * A peer dials the peers it discovers only while it has fewer connections than this. Gossipsub
 * needs a handful of mesh peers per topic, not a full mesh of the whole grid.
 */
export const DISCOVERY_DIAL_TARGET = 64

/**
 * Rounds of bootstrap dials, while no bootstrap peer is connected, start this far apart and
 * back off to at most {@link MAX_BOOTSTRAP_BACKOFF_MS}: a dial to a peer that is not up yet
 * costs little, and a peer started before its bootstrap peer should find it within seconds.
 */
export const MIN_BOOTSTRAP_BACKOFF_MS = 500
export const MAX_BOOTSTRAP_BACKOFF_MS = 10_000
/** Once a bootstrap peer is connected, check this often that one still is. */
export const BOOTSTRAP_CHECK_MS = 5_000
/** A dial the node makes on its own (bootstrap, discovered peers) gives up after this long. */
export const DIAL_TIMEOUT_MS = 10_000

/** Loopback only: a peer becomes reachable from other machines when its owner says so. */
export const DEFAULT_SERVER_LISTEN: readonly string[] = [
  '/ip4/127.0.0.1/tcp/0',
  '/ip4/127.0.0.1/tcp/0/ws',
  '/ip4/127.0.0.1/udp/0/webrtc-direct'
]

/** Largest frame a {@link FramedStream} accepts unless told otherwise: a unit, result or WASM module. */
export const DEFAULT_MAX_FRAME_SIZE = 8 * 1024 * 1024

/**
 * Most bytes a peer may send on one yamux stream before we grant it more (yamux defaults to
 * 16 MiB). It bounds what a paused stream can be made to hold; 4 MiB still fills a
 * 300 Mbit/s link at 100 ms round trip.
 */
export const MAX_STREAM_WINDOW = 4 * 1024 * 1024

/** A one-shot request gives up after this long, from dialling to the response. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/** Largest gossipsub RPC accepted from a peer; announcements and reputation reports are small. */
export const MAX_PUBSUB_RPC_SIZE = 1024 * 1024

/**
 * Loopback peers are local processes (the demo, multi-process tests): they are exempt from the
 * per-host inbound rate limit and the connection cap, which would refuse workers started together.
 */
export const LOOPBACK_NETS: readonly string[] = ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']

/** Loopback IPs, exempt from gossipsub's IP-colocation penalty for the same reason. */
export const LOOPBACK_IPS: readonly string[] = ['127.0.0.1', '::1']

export const CONNECTION_LIMITS = {
  maxConnections: 300,
  maxParallelDials: 50,
  maxIncomingPendingConnections: 32,
  /** New connections per second accepted from one non-loopback host. */
  inboundConnectionThreshold: 20,
  dialTimeout: 10_000
} as const

/**
 * Gossipsub score thresholds. The application score from `appScore` is added to a peer's
 * gossipsub score with weight 1, so reputation can place a peer directly against them:
 * below `gossipThreshold` it gets no gossip, below `publishThreshold` we stop publishing to
 * it, below `graylistThreshold` everything it sends is dropped unread.
 */
export const SCORE_THRESHOLDS = {
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5
} as const

/**
 * The `appScore` for a banned peer: far below `graylistThreshold` even with the best score the
 * topics can add (10), so the peer is pruned from every mesh and whatever it sends is dropped.
 */
export const BANNED_APP_SCORE = -1000
