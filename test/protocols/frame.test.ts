import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { FrameTooLargeError, MalformedMessageError } from '../../protocols/errors.ts'
import { encodeFrame, FrameDecoder, MAX_PREFIX_BYTES } from '../../protocols/frame.ts'

function payload (length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff)
}

function concat (parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** Frames as hex strings: compared far faster than byte arrays in the exhaustive loops below. */
function hex (frames: readonly Uint8Array[]): string[] {
  return frames.map((frame) => Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('hex'))
}

/** Pushes `stream` cut at `cuts` (sorted offsets) and collects every frame. */
function decodeInChunks (stream: Uint8Array, cuts: readonly number[], maxFrameSize = 1 << 20): Uint8Array[] {
  const decoder = new FrameDecoder(maxFrameSize)
  const frames: Uint8Array[] = []
  let start = 0
  for (const end of [...cuts, stream.length]) {
    frames.push(...decoder.push(stream.subarray(start, end)))
    start = end
  }
  expect(decoder.bufferedBytes).toBe(0)
  return frames
}

describe('encodeFrame', () => {
  // Prefixes from the protobuf encoding guide's varint examples.
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [150, [0x96, 0x01]],
    [300, [0xac, 0x02]],
    [16_383, [0xff, 0x7f]],
    [16_384, [0x80, 0x80, 0x01]],
    [2_097_152, [0x80, 0x80, 0x80, 0x01]]
  ])('prefixes %i bytes with %j', (length, prefix) => {
    const body = payload(length, 7)
    const frame = encodeFrame(body)
    expect([...frame.subarray(0, prefix.length)]).toEqual(prefix)
    expect(Buffer.compare(frame.subarray(prefix.length), body)).toBe(0)
    expect(frame.length).toBe(prefix.length + length)
  })
})

describe('FrameDecoder', () => {
  const bodies = [payload(0, 1), payload(1, 2), payload(127, 3), payload(128, 4), payload(300, 5), payload(2, 6)]
  const stream = concat(bodies.map(encodeFrame))

  it('returns every frame of a stream pushed in one chunk', () => {
    expect(decodeInChunks(stream, [])).toEqual(bodies)
  })

  it('returns every frame whichever byte offset splits the stream in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(hex(decodeInChunks(stream, [cut]))).toEqual(hex(bodies))
    }
  })

  it('returns every frame whichever two offsets split a stream in three', () => {
    const small = concat([payload(0, 1), payload(3, 2), payload(130, 3), payload(1, 4)].map(encodeFrame))
    const expected = hex(decodeInChunks(small, [])).join()
    const wrong: Array<[number, number]> = []
    for (let first = 0; first <= small.length; first++) {
      for (let second = first; second <= small.length; second++) {
        if (hex(decodeInChunks(small, [first, second])).join() !== expected) wrong.push([first, second])
      }
    }
    expect(wrong).toEqual([])
  })

  it('returns every frame when the stream arrives one byte at a time', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, index) => index + 1)
    expect(decodeInChunks(stream, cuts)).toEqual(bodies)
  })

  it('gathers a frame far larger than its chunks', () => {
    const body = payload(300_000, 8)
    const frame = encodeFrame(body)
    const cuts = Array.from({ length: Math.floor(frame.length / 999) }, (_, index) => (index + 1) * 999)
    const [decoded, ...rest] = decodeInChunks(frame, cuts)
    expect(rest).toEqual([])
    expect(Buffer.compare(decoded!, body)).toBe(0)
  })

  it('reassembles any frames cut at any offsets', () => {
    const frames = fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 })
    fc.assert(fc.property(frames, fc.array(fc.nat()), (bodies, rawCuts) => {
      const all = concat(bodies.map(encodeFrame))
      const cuts = [...new Set(rawCuts.map((cut) => cut % (all.length + 1)))].sort((a, b) => a - b)
      expect(decodeInChunks(all, cuts)).toEqual(bodies)
    }), { numRuns: 300, seed: 20_240_601 })
  })

  it('counts the bytes of an unfinished frame, prefix included', () => {
    const decoder = new FrameDecoder(1000)
    const frame = encodeFrame(payload(300, 9))
    expect(decoder.push(frame.subarray(0, 1))).toEqual([])
    expect(decoder.bufferedBytes).toBe(1)
    expect(decoder.push(frame.subarray(1, 100))).toEqual([])
    expect(decoder.bufferedBytes).toBe(100)
    expect(decoder.push(frame.subarray(100))).toHaveLength(1)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('hands out a frame inside one chunk as a view of that chunk', () => {
    const chunk = encodeFrame(payload(10, 3))
    const [frame] = new FrameDecoder(100).push(chunk)
    expect(frame?.buffer).toBe(chunk.buffer)
  })

  it('accepts a frame of exactly the maximum size', () => {
    const body = payload(1000, 4)
    expect(new FrameDecoder(1000).push(encodeFrame(body))).toEqual([body])
  })

  it('rejects an oversize frame from its prefix alone, before any body byte', () => {
    const decoder = new FrameDecoder(1000)
    const prefix = encodeFrame(payload(1001, 0)).subarray(0, 2)
    expect(() => decoder.push(prefix)).toThrow(FrameTooLargeError)
  })

  it('rejects an oversize frame while its prefix is still arriving', () => {
    const decoder = new FrameDecoder(1000)
    // 0xff 0xff announces at least 16 383 bytes whatever follows.
    const error = catchError(() => decoder.push(Uint8Array.of(0xff, 0xff)))
    expect(error).toBeInstanceOf(FrameTooLargeError)
    expect(error).toMatchObject({ status: 'FRAME_TOO_LARGE', size: 16_383, limit: 1000 })
  })

  it('rejects an oversize frame announced after valid frames in the same chunk', () => {
    const chunk = concat([encodeFrame(payload(5, 1)), encodeFrame(payload(50, 2))])
    expect(() => new FrameDecoder(10).push(chunk)).toThrow(FrameTooLargeError)
  })

  it('accepts a five-byte prefix and rejects a sixth prefix byte', () => {
    const largest = new FrameDecoder(0xffff_ffff)
    expect(largest.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toEqual([])
    expect(largest.bufferedBytes).toBe(MAX_PREFIX_BYTES)

    expect(new FrameDecoder(10).push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x00))).toEqual([new Uint8Array(0)])

    const error = catchError(() => new FrameDecoder(10).push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)))
    expect(error).toBeInstanceOf(MalformedMessageError)
    expect(error).toMatchObject({ status: 'MALFORMED' })
  })

  it('keeps failing once the stream is known to be bad', () => {
    const decoder = new FrameDecoder(10)
    const first = catchError(() => decoder.push(Uint8Array.of(0x7f)))
    expect(catchError(() => decoder.push(encodeFrame(payload(1, 1))))).toBe(first)
  })

  it.each([-1, 1.5, 2 ** 32, Number.NaN])('refuses a maximum frame size of %p', (size) => {
    expect(() => new FrameDecoder(size)).toThrow(RangeError)
  })
})

function catchError (action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected the action to throw')
}
