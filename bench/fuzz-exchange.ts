/**
 * One request stream against a request/reply handler (jobs, admin): the part of the contract
 * those protocols share. The handler answers once (not at all for an empty stream) with a
 * reply that decodes and is never INTERNAL; bad framing and an undecodable request get their
 * protocol error and leave the database as it was. What a decoded request should do is the
 * caller's to check.
 */
import { ProtocolError } from '../protocols/errors.ts'
import type { FramedStream, FramedStreamOptions } from '../protocols/stream.ts'
import { converse, splitFrames } from './fuzz-stream.ts'
import { fail } from './fuzz-target.ts'

export interface ExchangeInit<Req, Res> {
  readonly chunks: readonly Uint8Array[]
  readonly stream: FramedStreamOptions & { readonly maxFrameSize: number, readonly maxReplyFrameSize: number }
  readonly decodeRequest: (bytes: Uint8Array) => Req
  readonly decodeReply: (bytes: Uint8Array) => Res
  readonly serve: (frames: FramedStream) => Promise<void>
  /** Changes whenever the store commits a write. */
  readonly dataVersion: () => number
  /** Sees the decoded request, if any, before the handler runs: to note what it may change. */
  readonly before?: (request: Req | undefined) => void
}

export type Exchange<Req, Res> =
  /** The case ended here, checked: an empty stream, bad framing or an undecodable request. */
  | { readonly ended: string }
  | { readonly request: Req, readonly reply: Res, readonly unchanged: (what: string) => void }

export async function exchange<Req, Res extends { readonly status: string, readonly message: string }> (init: ExchangeInit<Req, Res>): Promise<Exchange<Req, Res>> {
  const expected = splitFrames(init.chunks, init.stream.maxFrameSize)
  const frame = expected.frames[0]
  let request: Req | undefined
  let refusal: string | undefined
  if (frame !== undefined) {
    try {
      request = init.decodeRequest(frame)
    } catch (err) {
      refusal = err instanceof ProtocolError ? err.status : fail(`the request decoder threw ${(err as Error).name}: ${(err as Error).message}`)
    }
  }
  init.before?.(request)
  const version = init.dataVersion()
  const unchanged = (what: string): void => {
    if (init.dataVersion() !== version) fail(`${what} changed the database`)
  }

  const { replies } = await converse(init.serve, init.chunks, init.stream)
  if (frame === undefined && expected.end === 'clean') {
    if (replies.length !== 0) fail('an empty stream was answered')
    unchanged('an empty stream')
    return { ended: 'empty stream' }
  }
  if (replies.length !== 1) fail(`a request stream got ${replies.length} replies instead of one`)
  let reply: Res
  try {
    reply = init.decodeReply(replies[0]!)
  } catch (err) {
    fail(`the reply does not decode: ${(err as Error).message}`)
  }
  if (reply.status === 'INTERNAL') fail(`INTERNAL reply (a handler fault, not the client's): ${reply.message}`)

  if (frame === undefined) {
    const want = expected.end instanceof ProtocolError ? expected.end.status : 'MALFORMED'
    if (reply.status !== want) fail(`a ${expected.end instanceof Error ? expected.end.name : 'truncated frame'} got ${reply.status}, not ${want}`)
    unchanged('a bad frame')
    return { ended: `bad framing: ${reply.status}` }
  }
  if (request === undefined) {
    if (reply.status !== refusal) fail(`an undecodable request got ${reply.status}, not ${refusal}`)
    unchanged('an undecodable request')
    return { ended: `refused ${refusal}` }
  }
  return { request, reply, unchanged }
}
