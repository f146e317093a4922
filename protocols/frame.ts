/**
 * Length-prefixed framing over plain bytes, independent of any transport: each frame is its
 * length as an unsigned LEB128 varint followed by that many bytes, the format of
 * it-length-prefixed.
 */
import { FrameTooLargeError, MalformedMessageError } from './errors.ts'

/** Frame lengths are uint32, so a well-formed prefix is at most five varint bytes. */
export const MAX_PREFIX_BYTES = 5
const MAX_FRAME_LENGTH = 0xffff_ffff

/** First allocation for a frame that spans chunks; it doubles from there as bytes arrive. */
const INITIAL_CAPACITY = 64 * 1024

/** Prefixes `payload` with its length; one allocation, one copy. */
export function encodeFrame (payload: Uint8Array): Uint8Array {
  const length = payload.byteLength
  if (length > MAX_FRAME_LENGTH) {
    throw new FrameTooLargeError(`a ${length}-byte frame cannot be length-prefixed; the format stops at ${MAX_FRAME_LENGTH} bytes`, length, MAX_FRAME_LENGTH)
  }
  const prefixBytes = varintLength(length)
  const frame = new Uint8Array(prefixBytes + length)
  let rest = length
  for (let index = 0; index < prefixBytes - 1; index++) {
    frame[index] = (rest % 0x80) | 0x80
    rest = Math.floor(rest / 0x80)
  }
  frame[prefixBytes - 1] = rest
  frame.set(payload, prefixBytes)
  return frame
}

function varintLength (value: number): number {
  let bytes = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    bytes++
  }
  return bytes
}

/**
 * Splits a byte stream, pushed in chunks cut anywhere, into whole frames.
 *
 * A frame that lies inside one chunk is returned as a view of that chunk without copying, so
 * chunks must not be reused after they are pushed. A frame spread over chunks is gathered in a
 * buffer that grows by doubling up to the announced length: memory stays proportional to the
 * bytes actually received, whatever a peer announces and however finely it slices its data.
 *
 * After a fault every later push throws the same error: past a bad prefix the stream has no
 * frame boundaries left to find.
 */
export class FrameDecoder {
  readonly maxFrameSize: number
  /** Prefix bytes read for the current frame, kept until the frame completes. */
  #prefixBytes = 0
  #prefixValue = 0
  /** Length of the frame whose body is being gathered; undefined while reading a prefix. */
  #frameLength: number | undefined
  #buffer = new Uint8Array(0)
  #received = 0
  #fault: Error | undefined

  constructor (maxFrameSize: number) {
    if (!Number.isInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > MAX_FRAME_LENGTH) {
      throw new RangeError(`maxFrameSize must be an integer from 0 to ${MAX_FRAME_LENGTH}, not ${maxFrameSize}`)
    }
    this.maxFrameSize = maxFrameSize
  }

  /** Bytes of an unfinished frame, prefix included. Non-zero at end of stream means a cut-off frame. */
  get bufferedBytes (): number {
    return this.#prefixBytes + this.#received
  }

  /**
   * Returns the frames that `chunk` completes, in order. Throws FrameTooLargeError as soon as
   * a prefix announces more than `maxFrameSize` bytes, and MalformedMessageError for a prefix
   * longer than five bytes. Frames completed earlier in the same chunk are not returned then.
   */
  push (chunk: Uint8Array): Uint8Array[] {
    if (this.#fault !== undefined) throw this.#fault
    try {
      return this.#split(chunk)
    } catch (err) {
      this.#fault = err instanceof Error ? err : new Error(String(err))
      throw this.#fault
    }
  }

  #split (chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = []
    let offset = 0
    while (offset < chunk.byteLength) {
      const frameLength = this.#frameLength
      if (frameLength === undefined) {
        // In range: the loop condition holds.
        this.#readPrefixByte(chunk[offset++]!)
        if (this.#frameLength === 0) frames.push(this.#complete(new Uint8Array(0)))
        continue
      }
      const wanted = frameLength - this.#received
      const piece = chunk.subarray(offset, offset + wanted)
      offset += piece.byteLength
      if (this.#received === 0 && piece.byteLength === wanted) {
        frames.push(this.#complete(piece))
        continue
      }
      this.#append(piece, frameLength)
      if (this.#received === frameLength) frames.push(this.#complete(this.#buffer))
    }
    return frames
  }

  #readPrefixByte (byte: number): void {
    this.#prefixValue += (byte & 0x7f) * 2 ** (7 * this.#prefixBytes)
    this.#prefixBytes++
    const continues = byte >= 0x80
    if (this.#prefixValue > this.maxFrameSize) {
      // Later prefix bytes can only add to the length, so there is no need to wait for them.
      throw new FrameTooLargeError(
        `the peer announced a frame of ${continues ? 'at least ' : ''}${this.#prefixValue} bytes; ` +
          `the limit on this stream is ${this.maxFrameSize}`,
        this.#prefixValue, this.maxFrameSize)
    }
    if (!continues) {
      this.#frameLength = this.#prefixValue
    } else if (this.#prefixBytes === MAX_PREFIX_BYTES) {
      throw new MalformedMessageError(`a frame length prefix runs past ${MAX_PREFIX_BYTES} bytes; the stream is not length-prefixed frames`)
    }
  }

  #append (piece: Uint8Array, frameLength: number): void {
    const needed = this.#received + piece.byteLength
    if (needed > this.#buffer.byteLength) {
      const capacity = Math.min(frameLength, Math.max(needed, 2 * this.#buffer.byteLength, INITIAL_CAPACITY))
      const grown = new Uint8Array(capacity)
      grown.set(this.#buffer.subarray(0, this.#received))
      this.#buffer = grown
    }
    this.#buffer.set(piece, this.#received)
    this.#received = needed
  }

  #complete (frame: Uint8Array): Uint8Array {
    this.#prefixBytes = 0
    this.#prefixValue = 0
    this.#frameLength = undefined
    this.#buffer = new Uint8Array(0)
    this.#received = 0
    return frame
  }
}
