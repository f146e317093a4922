/**
 * Fuzz targets for the wire decoders and the frame splitter. A decoder given any bytes either
 * returns a message that survives re-encoding unchanged or refuses with a protocol error
 * (MALFORMED, FRAME_TOO_LARGE), never anything else; a valid encoding decodes to exactly the
 * message it came from. The frame splitter, given any byte stream cut anywhere, yields frames
 * within its limit or refuses, keeps refusing after a fault, and reproduces the frames of an
 * intact stream exactly.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { decodeAdminRequest, decodeAdminResponse, encodeAdminRequest, encodeAdminResponse } from '../protocols/admin.ts'
import { decodeJobAnnouncement, encodeJobAnnouncement } from '../protocols/announce.ts'
import { FrameTooLargeError, ProtocolError } from '../protocols/errors.ts'
import { encodeFrame, FrameDecoder } from '../protocols/frame.ts'
import { decodeJobRequest, decodeJobResponse, encodeJobRequest, encodeJobResponse } from '../protocols/jobs.ts'
import { decodeReputationReport, encodeReputationReport } from '../protocols/reputation.ts'
import { decodeWorkRequest, decodeWorkResponse, encodeWorkRequest, encodeWorkResponse } from '../protocols/work.ts'
import { adminRequestArb, adminResponseArb, announcementArb, jobRequestArb, jobResponseArb, reputationReportArb, workRequestArb, workResponseArb } from './fuzz-messages.ts'
import { applyMutations, concat, mutationArb, type Mutation } from './fuzz-mutations.ts'
import { FuzzPropertyError, inputArb, inputBytes, runSyncProperty, Tally, type FuzzInput, type FuzzTarget } from './fuzz-target.ts'

interface Codec<T> {
  readonly name: string
  readonly encode: (value: T) => Uint8Array
  readonly decode: (bytes: Uint8Array) => T
  readonly arbitrary: fc.Arbitrary<T>
}

/** Deep equality of messages, blind to prototypes (fast-check builds null-prototype records). */
export function sameMessage (a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(structuredClone(a), structuredClone(b))
}

function statusOf (err: unknown): string | undefined {
  return err instanceof ProtocolError ? err.status : undefined
}

/** Checks one input against a decoder's contract and says how it ended. */
export function checkDecoder<T> (codec: Codec<T>, input: FuzzInput<T>): string {
  const bytes = inputBytes(input, codec.encode)
  let decoded: T
  try {
    decoded = codec.decode(bytes)
  } catch (err) {
    const status = statusOf(err)
    if (status == null) throw err
    if (input.source === 'valid') throw new FuzzPropertyError(`${codec.name}: a valid encoding was refused (${status}): ${(err as Error).message}`)
    return `refused ${status}`
  }
  if (input.source === 'valid' && !sameMessage(decoded, input.value)) {
    throw new FuzzPropertyError(`${codec.name}: a valid encoding decoded to something else: ${JSON.stringify(decoded)}`)
  }
  const again = codec.decode(codec.encode(decoded))
  if (!sameMessage(again, decoded)) throw new FuzzPropertyError(`${codec.name}: an accepted message changed when re-encoded`)
  return input.source === 'valid' ? 'round trip' : 'accepted'
}

const codec = <T>(name: string, encode: (value: T) => Uint8Array, decode: (bytes: Uint8Array) => T, arbitrary: fc.Arbitrary<T>): Codec<T> =>
  ({ name, encode, decode, arbitrary })

export const CODECS = [
  codec('JobRequest', encodeJobRequest, decodeJobRequest, jobRequestArb()),
  codec('JobResponse', encodeJobResponse, decodeJobResponse, jobResponseArb),
  codec('WorkRequest', encodeWorkRequest, decodeWorkRequest, workRequestArb),
  codec('WorkResponse', encodeWorkResponse, decodeWorkResponse, workResponseArb),
  codec('JobAnnouncement', encodeJobAnnouncement, decodeJobAnnouncement, announcementArb),
  codec('AdminRequest', encodeAdminRequest, decodeAdminRequest, adminRequestArb()),
  codec('AdminResponse', encodeAdminResponse, decodeAdminResponse, adminResponseArb),
  codec('ReputationReport', encodeReputationReport, decodeReputationReport, reputationReportArb)
] as const

function decoderTarget<T> (subject: Codec<T>): FuzzTarget {
  return {
    name: `decode${subject.name}`,
    async run (options) {
      const tally = new Tally()
      return runSyncProperty(this.name, inputArb(subject.arbitrary), (input) => { tally.add(checkDecoder(subject, input)) }, tally, options)
    }
  }
}

/** Frames of a stream: payloads, a few edits of the whole stream, and where it is cut into chunks. */
interface StreamCase {
  readonly payloads: readonly Uint8Array[]
  readonly mutations: readonly Mutation[]
  readonly cuts: readonly number[]
}

const FRAME_LIMIT = 256

const streamCaseArb: fc.Arbitrary<StreamCase> = fc.record({
  payloads: fc.array(fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ minLength: 200, maxLength: 300 })), { maxLength: 6 }),
  mutations: fc.oneof(fc.constant([]), fc.array(mutationArb, { minLength: 1, maxLength: 3 })),
  cuts: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 })
})

/** Checks one stream against the frame splitter's contract and says how it ended. */
export function checkFrameDecoder ({ payloads, mutations, cuts }: StreamCase): string {
  const intact = concat(...payloads.map(encodeFrame))
  const stream = applyMutations(intact, mutations)
  const chunks: Uint8Array[] = []
  let at = 0
  for (const cut of cuts) {
    if (at >= stream.length) break
    chunks.push(stream.subarray(at, at + cut))
    at += cut
  }
  if (at < stream.length) chunks.push(stream.subarray(at))
  const decoder = new FrameDecoder(FRAME_LIMIT)
  const frames: Uint8Array[] = []
  let fault: unknown
  try {
    for (const chunk of chunks) frames.push(...decoder.push(chunk))
  } catch (err) {
    if (statusOf(err) == null) throw err
    fault = err
    let again: unknown
    try { decoder.push(Uint8Array.of(0)) } catch (later) { again = later }
    if (again !== fault) throw new FuzzPropertyError('FrameDecoder accepted bytes after a fault')
  }
  for (const frame of frames) if (frame.length > FRAME_LIMIT) throw new FuzzPropertyError(`FrameDecoder yielded a ${frame.length}-byte frame over its ${FRAME_LIMIT}-byte limit`)
  if (mutations.length > 0) return fault == null ? 'mutated, accepted' : `mutated, refused ${statusOf(fault)}`
  const firstTooLarge = payloads.findIndex((p) => p.length > FRAME_LIMIT)
  if (firstTooLarge >= 0) {
    if (!(fault instanceof FrameTooLargeError)) throw new FuzzPropertyError(`FrameDecoder did not refuse a ${payloads[firstTooLarge]!.length}-byte frame`)
    if (!isDeepStrictEqual(frames.map((f) => Uint8Array.from(f)), payloads.slice(0, frames.length).map((p) => Uint8Array.from(p)))) {
      throw new FuzzPropertyError('FrameDecoder yielded different frames before refusing an oversized one')
    }
    return 'intact, oversized refused'
  }
  if (fault != null) throw new FuzzPropertyError(`FrameDecoder refused an intact stream: ${(fault as Error).message}`)
  if (decoder.bufferedBytes !== 0) throw new FuzzPropertyError('FrameDecoder kept bytes of an intact stream')
  if (!isDeepStrictEqual(frames.map((f) => Uint8Array.from(f)), payloads.map((p) => Uint8Array.from(p)))) throw new FuzzPropertyError('FrameDecoder split an intact stream into different frames')
  return 'intact, round trip'
}

const frameTarget: FuzzTarget = {
  name: 'FrameDecoder',
  async run (options) {
    const tally = new Tally()
    return runSyncProperty(this.name, streamCaseArb, (input) => { tally.add(checkFrameDecoder(input)) }, tally, options)
  }
}

export const DECODER_TARGETS: readonly FuzzTarget[] = [...CODECS.map((c) => decoderTarget(c as Codec<unknown>)), frameTarget]
