/**
 * A protocol handler's view of one peer, without a network: a stand-in for a libp2p stream
 * that delivers a script of bytes and then closes, wrapped in the real FramedStream, so a
 * handler's `serve` runs exactly the reading, framing and error paths it runs in production.
 */
import { StreamCloseEvent, StreamMessageEvent, type Stream } from '@libp2p/interface'
import { FrameDecoder } from '../protocols/frame.ts'
import { FramedStream, type FramedStreamOptions } from '../protocols/stream.ts'

class ScriptedStream extends EventTarget {
  status = 'open'
  readStatus = 'readable'
  writeStatus = 'writable'
  readableEnded = false
  readBufferLength = 0
  maxReadBufferLength = 0
  writableNeedsDrain = false
  readonly sent: Uint8Array[] = []

  send (data: Uint8Array | { subarray: () => Uint8Array }): boolean {
    this.sent.push(data instanceof Uint8Array ? data : data.subarray())
    return true
  }

  pause (): void { this.readStatus = 'paused' }
  resume (): void { this.readStatus = 'readable' }
  async close (): Promise<void> { this.writeStatus = 'closed' }
  abort (): void { this.status = 'aborted' }

  /** The peer sends `chunks`, then closes its writing end. */
  play (chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) this.dispatchEvent(new StreamMessageEvent(chunk))
    this.readableEnded = true
    this.dispatchEvent(new Event('end'))
    this.dispatchEvent(new StreamCloseEvent())
  }
}

export interface Conversation {
  /** The frames the handler wrote back, unframed. */
  replies: Uint8Array[]
}

/**
 * Runs `serve` on a stream whose peer sends `chunks` and closes; returns what it wrote.
 * Whatever `serve` throws propagates: a handler is expected to answer, not to throw.
 */
export async function converse (
  serve: (frames: FramedStream) => Promise<void>,
  chunks: readonly Uint8Array[],
  options: FramedStreamOptions & { maxReplyFrameSize: number }
): Promise<Conversation> {
  const stream = new ScriptedStream()
  const frames = new FramedStream(stream as unknown as Stream, options)
  stream.play(chunks)
  await serve(frames)
  const decoder = new FrameDecoder(options.maxReplyFrameSize)
  const replies = stream.sent.flatMap((bytes) => decoder.push(bytes).map((f) => Uint8Array.from(f)))
  if (decoder.bufferedBytes !== 0) throw new Error('the handler wrote a partial frame')
  return { replies }
}

/**
 * What FramedStream makes of `chunks`: the whole frames, then how the stream ended. Frames
 * that complete in the same chunk as a fault are dropped with it, as FrameDecoder documents.
 */
export function splitFrames (chunks: readonly Uint8Array[], maxFrameSize: number): { frames: Uint8Array[], end: 'clean' | 'truncated' | Error } {
  const decoder = new FrameDecoder(maxFrameSize)
  const frames: Uint8Array[] = []
  for (const bytes of chunks) {
    try {
      frames.push(...decoder.push(bytes))
    } catch (err) {
      return { frames, end: err as Error }
    }
  }
  return { frames, end: decoder.bufferedBytes > 0 ? 'truncated' : 'clean' }
}

/** Cuts `bytes` into chunks of the given sizes (the rest in one piece), as a transport might. */
export function chunk (bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let at = 0
  for (const size of sizes) {
    if (at >= bytes.length) break
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  if (at < bytes.length) chunks.push(bytes.subarray(at))
  return chunks
}
