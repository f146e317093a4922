/**
 * Message framing over libp2p 3 streams: every message is one unsigned-varint length-prefixed
 * frame, and a frame is only handed out whole.
 *
 * libp2p 3 streams are event targets (`message`, `drain`, `end`, `close`) with `send()`, not
 * the `source`/`sink` duplexes of older versions, and two of their conveniences are unsafe for
 * untrusted peers: the built-in async iterator buffers without limit, and `onDrain()` resolves
 * at once after the first drain. So this module keeps its own frame queue, pauses the stream
 * when the reader falls behind, and waits for real `drain` events.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { StreamResetError, StreamStateError } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Connection, Libp2p, PeerId, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_REQUEST_TIMEOUT_MS } from './constants-net.ts'
import { FrameTooLargeError } from './errors.ts'
import { encodeFrame, FrameDecoder } from './frame.ts'

/** Decoded frames waiting for the reader beyond this many bytes pause the stream. */
const READ_HIGH_WATER_MARK = 1024 * 1024

/**
 * What a queued frame costs beyond its payload, charged against the high-water mark so that a
 * flood of empty frames (one byte each on the wire) pauses the stream too.
 */
const QUEUED_FRAME_OVERHEAD = 64

/**
 * Received bytes are decoded this many at a time, and decoding stops at the high-water mark,
 * so one chunk of tiny frames cannot turn into hundreds of thousands of queued objects.
 */
const DECODE_SLICE_BYTES = 16 * 1024

/**
 * While paused, a yamux peer may still send up to its stream window (16 MiB at most) and that
 * lands in the stream's own read buffer, which resets the stream when it overflows. The
 * default 4 MiB would reset fast, honest senders, so the buffer is raised to hold a window.
 */
const PAUSED_READ_BUFFER_LENGTH = 17 * 1024 * 1024

export interface FramedStreamOptions {
  /** Largest frame accepted or sent, in bytes. */
  maxFrameSize?: number
}

/** A peer closed a request stream without sending a response frame. */
export class NoResponseError extends Error {
  override name = 'NoResponseError'
}

/**
 * Frames over one libp2p stream. Reading: {@link read} or `for await`. Writing: {@link write},
 * which waits while the transport is full. Both ends of a request/response exchange
 * {@link close} their writing side when done; the reader then sees a clean end.
 */
export class FramedStream implements AsyncIterable<Uint8Array> {
  readonly stream: Stream
  readonly maxFrameSize: number
  readonly #decoder: FrameDecoder
  /** Frames not yet read, oldest at #head: a plain shift() is linear for large arrays. */
  readonly #frames: Array<Uint8Array | undefined> = []
  #head = 0
  readonly #readers: Array<PromiseWithResolvers<Uint8Array | undefined>> = []
  #queuedBytes = 0
  #ended = false
  #failure: Error | undefined
  /** Why the stream itself was reset or aborted; writing is pointless after that. */
  #streamError: Error | undefined

  constructor (stream: Stream, options: FramedStreamOptions = {}) {
    this.stream = stream
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE
    this.#decoder = new FrameDecoder(this.maxFrameSize)
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_BUFFER_LENGTH)
    // Listen before anything else: bytes that arrive while no 'message' listener exists pile up
    // in the stream, which resets itself once they exceed its read buffer.
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('end', this.#onEnd)
    stream.addEventListener('close', this.#onClose)
    if (stream.status === 'reset') {
      this.#streamError = new StreamResetError('the peer reset the stream as it opened')
      this.#fail(this.#streamError)
    } else if (stream.status === 'aborted') {
      this.#streamError = new StreamStateError('the stream was aborted before it was framed')
      this.#fail(this.#streamError)
    } else if (stream.readableEnded && stream.readBufferLength === 0) {
      this.#onEnd()
    }
  }

  /**
   * Sends one frame. Resolves once the transport can take more data, so awaiting each write
   * bounds memory however slowly the peer reads. Frames from concurrent writes never interleave.
   */
  async write (payload: Uint8Array, options: AbortOptions = {}): Promise<void> {
    if (payload.byteLength > this.maxFrameSize) {
      throw new FrameTooLargeError(
        `cannot send a ${payload.byteLength}-byte frame: the limit is ${this.maxFrameSize} bytes; split the message`,
        payload.byteLength, this.maxFrameSize)
    }
    options.signal?.throwIfAborted()
    if (this.#streamError !== undefined) {
      throw this.#streamError
    }
    if (!this.stream.send(encodeFrame(payload))) {
      await waitForDrain(this.stream, options.signal)
    }
  }

  /**
   * The next whole frame, or undefined once the peer has closed its writing side cleanly.
   * Rejects with FrameTooLargeError or MalformedMessageError when the peer's bytes are not
   * valid frames, with FrameTruncatedError when the stream ends inside a frame, or with the
   * stream's error when it was reset or aborted. Frames that arrived whole before any of these
   * are delivered first.
   */
  async read (options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const frame = this.#dequeue()
    if (frame !== undefined) {
      this.#queuedBytes -= frame.byteLength + QUEUED_FRAME_OVERHEAD
      if (this.#queuedBytes < READ_HIGH_WATER_MARK) {
        this.#resume()
      }
      return frame
    }
    if (this.#failure !== undefined) {
      throw this.#failure
    }
    if (this.#ended) {
      return undefined
    }
    const { signal } = options
    signal?.throwIfAborted()
    const reader = Promise.withResolvers<Uint8Array | undefined>()
    this.#readers.push(reader)
    if (signal == null) {
      return await reader.promise
    }
    const onAbort = (): void => {
      const index = this.#readers.indexOf(reader)
      if (index !== -1) {
        this.#readers.splice(index, 1)
      }
      reader.reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return await reader.promise
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<Uint8Array, void, undefined> {
    while (true) {
      const frame = await this.read()
      if (frame === undefined) {
        return
      }
      yield frame
    }
  }

  /**
   * Closes the writing side once queued frames are sent; the peer's frames can still be read.
   * After a framing fault there is nothing left to read, so the stream is then reset as well:
   * a peer that does not speak the protocol cannot hold it open.
   */
  async close (options?: AbortOptions): Promise<void> {
    await this.stream.close(options)
    if (this.#failure !== undefined && this.#streamError === undefined) {
      this.stream.abort(this.#failure)
    }
  }

  /** Resets the stream at once, discarding unsent and unread data. */
  abort (err: Error): void {
    this.stream.abort(err)
  }

  readonly #onMessage = (event: StreamMessageEvent): void => {
    if (this.#ended || this.#failure !== undefined) {
      // After a framing fault the rest of the stream is meaningless: drop it rather than buffer.
      return
    }
    const { data } = event
    // isView, not instanceof: socket buffers may come from another realm (as under Jest).
    const chunks = ArrayBuffer.isView(data) ? [data] : [...data]
    for (let index = 0; index < chunks.length; index++) {
      const chunk = chunks[index]!
      for (let offset = 0; offset < chunk.byteLength; offset += DECODE_SLICE_BYTES) {
        try {
          for (const frame of this.#decoder.push(chunk.subarray(offset, offset + DECODE_SLICE_BYTES))) {
            this.#enqueue(frame)
          }
        } catch (err) {
          this.#fail(toError(err))
          // Keep the stream flowing so that the rest of the peer's bytes are dropped as they
          // come instead of filling the stream's read buffer.
          this.#resume()
          return
        }
        if (this.#queuedBytes >= READ_HIGH_WATER_MARK) {
          this.#pauseAndKeep([chunk.subarray(offset + DECODE_SLICE_BYTES), ...chunks.slice(index + 1)])
          return
        }
      }
    }
  }

  readonly #onEnd = (): void => {
    if (this.#ended || this.#failure !== undefined) {
      return
    }
    if (this.stream.status === 'reset' || this.stream.status === 'aborted') {
      // A reset also emits 'end', just before the 'close' event that carries its error.
      return
    }
    if (this.#decoder.bufferedBytes > 0) {
      this.#fail(new FrameTruncatedError(this.#decoder.bufferedBytes))
      return
    }
    this.#ended = true
    this.#settleReaders()
  }

  readonly #onClose = (event: StreamCloseEvent): void => {
    if (event.error != null) {
      this.#streamError = event.error
      this.#fail(event.error)
    } else if (this.stream.readBufferLength === 0) {
      this.#onEnd()
    }
  }

  #enqueue (frame: Uint8Array): void {
    const reader = this.#readers.shift()
    if (reader !== undefined) {
      reader.resolve(frame)
      return
    }
    this.#frames.push(frame)
    this.#queuedBytes += frame.byteLength + QUEUED_FRAME_OVERHEAD
  }

  #dequeue (): Uint8Array | undefined {
    if (this.#head === this.#frames.length) {
      return undefined
    }
    const frame = this.#frames[this.#head]
    this.#frames[this.#head++] = undefined
    if (this.#head === this.#frames.length) {
      this.#frames.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) {
      this.#frames.splice(0, this.#head)
      this.#head = 0
    }
    return frame
  }

  /**
   * Stops 'message' events until the reader catches up, handing the undecoded bytes back to
   * the stream, which re-emits them first on resume.
   */
  #pauseAndKeep (undecoded: Uint8Array[]): void {
    if (this.stream.readStatus === 'readable') {
      this.stream.pause()
    }
    for (const bytes of undecoded.reverse()) {
      if (bytes.byteLength > 0) {
        this.stream.unshift(bytes)
      }
    }
  }

  #fail (err: Error): void {
    if (this.#ended || this.#failure !== undefined) {
      return
    }
    this.#failure = err
    this.#settleReaders()
  }

  /** Readers only wait while the queue is empty, so they all get the terminal outcome. */
  #settleReaders (): void {
    for (const reader of this.#readers.splice(0)) {
      if (this.#failure !== undefined) {
        reader.reject(this.#failure)
      } else {
        reader.resolve(undefined)
      }
    }
  }

  #resume (): void {
    if (this.stream.readStatus === 'paused') {
      this.stream.resume()
    }
  }
}

/** The stream ended in the middle of a frame: the peer crashed or cut the message short. */
export class FrameTruncatedError extends Error {
  override name = 'FrameTruncatedError'

  constructor (bufferedBytes: number) {
    super(`stream ended in the middle of a frame (${bufferedBytes} bytes of it received); the peer sent an incomplete message`)
  }
}

/**
 * Resolves on the stream's next 'drain' event. `Stream.onDrain()` cannot be used for this: it
 * caches its first promise, so after one drain it resolves at once while the transport is
 * still full and the write buffer grows without bound.
 */
async function waitForDrain (stream: Stream, signal?: AbortSignal): Promise<void> {
  if (!stream.writableNeedsDrain) {
    return
  }
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => {
      cleanup()
      resolve()
    }
    const onClose = (event: StreamCloseEvent): void => {
      cleanup()
      reject(event.error ?? new StreamStateError('stream closed before its queued frames were sent'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(signal?.reason)
    }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}

/** Where to open a stream: a peer id (its addresses come from the peer store) or addresses. */
export type StreamTarget = PeerId | Multiaddr | Multiaddr[] | string

/** The part of a libp2p node these helpers use, so that any node type can be passed. */
export type StreamHost = Pick<Libp2p, 'dialProtocol' | 'handle' | 'unhandle'>

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

/** Duck-typed: an Error from another realm (as under Jest) fails `instanceof Error`. */
function toError (err: unknown): Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string'
    ? err as Error
    : new Error(String(err))
}
