/**
 * Message framing over one libp2p 3 stream: every message is an unsigned-varint
 * length-prefixed frame, handed out only whole.
 *
 * libp2p 3 streams are event targets (`message`, `drain`, `end`, `close`) with `send()`, not
 * the `source`/`sink` duplexes of older versions, and two of their conveniences are unsafe with
 * untrusted peers: the built-in async iterator buffers without limit, and `onDrain()` resolves
 * at once after the first drain. So this class keeps its own bounded queue, pauses the stream
 * while the reader is behind, and waits for real `drain` events.
 */
import { StreamResetError, StreamStateError } from '@libp2p/interface'
import type { AbortOptions, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { DEFAULT_MAX_FRAME_SIZE, MAX_STREAM_WINDOW } from './constants-net.ts'
import { FrameTooLargeError, ProtocolError } from './errors.ts'
import { encodeFrame, FrameDecoder } from './frame.ts'

/** Decoded frames waiting for the reader beyond this many bytes stop further decoding. */
const READ_HIGH_WATER_MARK = 1024 * 1024

/**
 * What a queued frame costs beyond its payload, charged against the high-water mark so that a
 * flood of empty frames (one byte each on the wire) is held back too.
 */
const QUEUED_FRAME_OVERHEAD = 64

/** Received bytes are decoded this many at a time, so decoding stops close to the mark. */
const DECODE_SLICE_BYTES = 16 * 1024

/**
 * A paused stream keeps taking what the peer already had credit to send (one stream window)
 * into its own read buffer, and resets itself if that buffer overflows. libp2p's default of
 * 4 MiB equals the window PeerGrid nodes grant, leaving no slack.
 */
const STREAM_READ_BUFFER_LENGTH = MAX_STREAM_WINDOW + 1024 * 1024

export interface FramedStreamOptions {
  /** Largest frame accepted, in bytes (and sent, unless maxWriteFrameSize says otherwise). */
  maxFrameSize?: number
  /** Largest frame sent, in bytes: replies may be larger than requests (a result file). */
  maxWriteFrameSize?: number
}

/**
 * The stream ended in the middle of a frame: the peer crashed or cut its message short. A
 * protocol error (MALFORMED) like any other bad input, so handlers answer it as the peer's
 * fault rather than their own.
 */
export class FrameTruncatedError extends ProtocolError {
  override readonly name = 'FrameTruncatedError'
  readonly status = 'MALFORMED'

  constructor (bufferedBytes: number) {
    super(`the stream ended in the middle of a frame (${bufferedBytes} bytes of it arrived); the peer sent an incomplete message`)
  }
}

/**
 * Frames over one libp2p stream. Read with {@link read} or `for await`; write with
 * {@link write}, which waits while the transport is full. Each side {@link close}s its writing
 * end when it has nothing more to send; the other side's reader then sees a clean end.
 *
 * Memory per stream stays bounded whatever the peer sends: about 1 MiB of decoded frames, the
 * undecoded rest of what arrived, and one stream window the peer may still fill.
 */
export class FramedStream implements AsyncIterable<Uint8Array> {
  readonly stream: Stream
  readonly maxFrameSize: number
  readonly maxWriteFrameSize: number
  readonly #decoder: FrameDecoder
  /** Decoded frames not yet read, oldest at #head (Array#shift is linear on large arrays). */
  readonly #frames: Array<Uint8Array | undefined> = []
  #head = 0
  #queuedBytes = 0
  /** Received bytes not yet decoded because the queue was full. */
  readonly #undecoded: Uint8Array[] = []
  readonly #readers: Array<PromiseWithResolvers<Uint8Array | undefined>> = []
  /** The peer closed its writing end; the read side ends once the undecoded bytes are used. */
  #remoteDone = false
  #pauseQueued = false
  #ended = false
  #failure: Error | undefined
  /** Why the stream itself was reset or aborted: writing is pointless after that. */
  #streamError: Error | undefined

  constructor (stream: Stream, options: FramedStreamOptions = {}) {
    this.stream = stream
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE
    this.maxWriteFrameSize = options.maxWriteFrameSize ?? this.maxFrameSize
    this.#decoder = new FrameDecoder(this.maxFrameSize)
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, STREAM_READ_BUFFER_LENGTH)
    // Listen at once: bytes that arrive while the stream has no 'message' listener pile up in
    // its read buffer, and it resets itself when they overflow it.
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
   * Sends one frame. Resolves once the transport can take more, so a writer that awaits each
   * write holds at most about two frames in memory however slowly the peer reads. Frames from
   * concurrent writes never interleave.
   */
  async write (payload: Uint8Array, options: AbortOptions = {}): Promise<void> {
    if (payload.byteLength > this.maxWriteFrameSize) {
      throw new FrameTooLargeError(
        `cannot send a ${payload.byteLength}-byte frame: the limit is ${this.maxWriteFrameSize} bytes; split the message`,
        payload.byteLength, this.maxWriteFrameSize)
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
   * The next whole frame, or undefined once the peer has closed its writing end cleanly.
   * After the frames that arrived intact, rejects with FrameTooLargeError or
   * MalformedMessageError when the peer's bytes are not valid frames, FrameTruncatedError when
   * the stream ended inside a frame, or the stream's own error when it was reset or aborted.
   */
  async read (options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    const frame = this.#dequeue()
    if (frame !== undefined) {
      this.#decodeUndecoded()
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
   * Closes the writing end once queued frames are sent; the peer's frames can still be read.
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
      // Past a framing fault the peer's bytes mean nothing: drop them rather than keep them.
      return
    }
    const { data } = event
    // isView, not instanceof: socket buffers may come from another realm (as under Jest).
    for (const chunk of ArrayBuffer.isView(data) ? [data] : data) {
      this.#undecoded.push(chunk)
    }
    this.#decodeUndecoded()
  }

  readonly #onEnd = (): void => {
    if (this.stream.status === 'reset' || this.stream.status === 'aborted') {
      // A reset emits 'end' too, just before the 'close' event that carries its error.
      return
    }
    this.#remoteDone = true
    this.#decodeUndecoded()
  }

  readonly #onClose = (event: StreamCloseEvent): void => {
    if (event.error != null) {
      this.#streamError = event.error
      this.#fail(event.error)
    } else if (this.stream.readBufferLength === 0) {
      this.#onEnd()
    }
  }

  /**
   * Decodes received bytes until the queue reaches the high-water mark, then pauses the stream
   * until a read brings it back under; finishes the read side once the peer is done and
   * everything it sent is decoded. Never throws: it runs inside event listeners, where an
   * exception would take down the process.
   */
  #decodeUndecoded (): void {
    while (this.#undecoded.length > 0 && this.#queuedBytes < READ_HIGH_WATER_MARK && this.#failure === undefined) {
      const chunk = this.#undecoded[0]!
      const slice = chunk.subarray(0, DECODE_SLICE_BYTES)
      if (slice.byteLength === chunk.byteLength) {
        this.#undecoded.shift()
      } else {
        this.#undecoded[0] = chunk.subarray(slice.byteLength)
      }
      try {
        for (const frame of this.#decoder.push(slice)) {
          this.#enqueue(frame)
        }
      } catch (err) {
        this.#undecoded.length = 0
        this.#fail(toError(err))
      }
    }
    this.#updateFlow()
    if (this.#remoteDone && this.#undecoded.length === 0 && !this.#ended && this.#failure === undefined) {
      if (this.#decoder.bufferedBytes > 0) {
        this.#fail(new FrameTruncatedError(this.#decoder.bufferedBytes))
      } else {
        this.#ended = true
        this.#settleReaders()
      }
    }
  }

  /** Whether the stream should stop delivering bytes until the reader catches up. */
  #wantsPause (): boolean {
    // After a fault the stream keeps flowing, so that the rest of its bytes are dropped.
    return this.#failure === undefined && (this.#undecoded.length > 0 || this.#queuedBytes >= READ_HIGH_WATER_MARK)
  }

  /**
   * Pausing stops yamux granting the peer more window, which is the real backpressure;
   * resuming grants one window more. The pause is deferred to a microtask because `resume()`
   * delivers buffered bytes first and grants the window after: a pause from inside that
   * delivery would be overridden, and the peer could then send without limit.
   */
  #updateFlow (): void {
    if (!this.#wantsPause()) {
      if (this.stream.readStatus === 'paused') {
        this.stream.resume()
      }
      return
    }
    if (!this.#pauseQueued && this.stream.readStatus === 'readable') {
      this.#pauseQueued = true
      queueMicrotask(() => {
        this.#pauseQueued = false
        if (this.#wantsPause() && this.stream.readStatus === 'readable') {
          this.stream.pause()
        }
      })
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
    const frame = this.#frames[this.#head]!
    this.#frames[this.#head++] = undefined
    this.#queuedBytes -= frame.byteLength + QUEUED_FRAME_OVERHEAD
    if (this.#head === this.#frames.length) {
      this.#frames.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#frames.length) {
      this.#frames.splice(0, this.#head)
      this.#head = 0
    }
    return frame
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
}

/**
 * Resolves on the stream's next 'drain' event. `Stream.onDrain()` cannot serve: it caches its
 * first promise, so after one drain it resolves at once while the transport is still full, and
 * the write buffer grows without bound.
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
      reject(event.error ?? new StreamStateError('the stream closed before its queued frames were sent'))
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

/** Duck-typed: an Error from another realm (as under Jest) fails `instanceof Error`. */
export function toError (err: unknown): Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string'
    ? err as Error
    : new Error(String(err))
}
