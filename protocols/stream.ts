/**
 * Framed streams between PeerGrid peers: opening one, one-shot request/response, and serving a
 * protocol. The framing itself is in `framed-stream.ts`; everything is importable from here.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_REQUEST_TIMEOUT_MS } from './constants-net.ts'
import { FramedStream, toError, type FramedStreamOptions } from './framed-stream.ts'

export { FramedStream, FrameTruncatedError, type FramedStreamOptions } from './framed-stream.ts'

/** A peer closed a request stream without sending a response frame. */
export class NoResponseError extends Error {
  override name = 'NoResponseError'
}

/** Where to open a stream: a peer id (its addresses come from the peer store) or addresses. */
export type StreamTarget = PeerId | Multiaddr | Multiaddr[] | string

/** The part of a libp2p node these helpers use, so that any node type can be passed. */
export type StreamHost = Pick<Libp2p, 'dialProtocol' | 'handle'>

export interface OpenStreamOptions extends FramedStreamOptions, AbortOptions {}

/** Dials `target` if needed and opens a framed stream on `protocol`. */
export async function openStream (node: StreamHost, target: StreamTarget, protocol: string, options: OpenStreamOptions = {}): Promise<FramedStream> {
  const stream = await node.dialProtocol(toDialTarget(target), protocol, { signal: options.signal })
  return new FramedStream(stream, options)
}

export interface RequestOptions extends FramedStreamOptions, AbortOptions {
  /** Gives up after this long, from dialling to the response. */
  timeoutMs?: number
}

/**
 * One-shot request/response: opens a stream, sends `payload` as one frame, closes its writing
 * side and returns the first frame the peer sends back. Rejects with NoResponseError when the
 * peer closes without answering, and aborts the stream on any failure.
 */
export async function request (node: StreamHost, target: StreamTarget, protocol: string, payload: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  const signal = options.signal == null ? timeout : AbortSignal.any([options.signal, timeout])
  const frames = await openStream(node, target, protocol, { ...options, signal })
  try {
    await frames.write(payload, { signal })
    await frames.close({ signal })
    const response = await frames.read({ signal })
    if (response === undefined) {
      throw new NoResponseError(`the peer closed the ${protocol} stream without sending a response`)
    }
    return response
  } catch (err) {
    frames.abort(toError(err))
    throw err
  }
}

export interface HandleOptions extends FramedStreamOptions {
  /** Concurrent inbound streams of this protocol allowed per connection. */
  maxInboundStreams?: number
  /** Concurrent outbound streams of this protocol allowed per connection. */
  maxOutboundStreams?: number
}

export type FramedHandler = (frames: FramedStream, connection: Connection) => Promise<void>

/**
 * Registers `handler` for inbound streams of `protocol`. When the handler resolves, the
 * stream's writing side is closed (flushing what it wrote); when it throws, the stream is
 * aborted with that error, which resets it for the peer. The handler decides what the peer
 * learns about a failure by writing an error frame before throwing or returning.
 */
export async function handle (node: StreamHost, protocol: string, handler: FramedHandler, options: HandleOptions = {}): Promise<void> {
  await node.handle(protocol, async (stream, connection) => {
    const frames = new FramedStream(stream, options)
    try {
      await handler(frames, connection)
      await frames.close()
    } catch (err) {
      frames.abort(toError(err))
    }
  }, {
    maxInboundStreams: options.maxInboundStreams,
    maxOutboundStreams: options.maxOutboundStreams
  })
}

function toDialTarget (target: StreamTarget): PeerId | Multiaddr | Multiaddr[] {
  if (typeof target !== 'string') {
    return target
  }
  return target.startsWith('/') ? multiaddr(target) : peerIdFromString(target)
}

