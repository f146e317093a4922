/**
 * Hostile input: random bytes, and valid messages with random edits, must either decode to a
 * message that survives re-encoding or be refused with FrameTooLargeError or
 * MalformedMessageError, never any other exception.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { decodeAdminRequest, decodeAdminResponse, encodeAdminRequest, encodeAdminResponse, type AdminRequest, type AdminResponse } from '../../protocols/admin.ts'
import { decodeJobAnnouncement, encodeJobAnnouncement, type JobAnnouncement } from '../../protocols/announce.ts'
import { FrameTooLargeError, MalformedMessageError } from '../../protocols/errors.ts'
import { FrameDecoder } from '../../protocols/frame.ts'
import { decodeJobRequest, decodeJobResponse, encodeJobRequest, encodeJobResponse, type JobRequest, type JobResponse } from '../../protocols/jobs.ts'
import { decodeReputationReport, encodeReputationReport, type ReputationReport } from '../../protocols/reputation.ts'
import { decodeWorkRequest, decodeWorkResponse, encodeWorkRequest, encodeWorkResponse, type WorkRequest, type WorkResponse } from '../../protocols/work.ts'

/** Fixed so that every run explores the same inputs; change it to explore others. */
const PROPERTY = { numRuns: 500, seed: 20_240_601 }

interface Codec<T> {
  readonly name: string
  readonly encode: (value: T) => Uint8Array
  readonly decode: (bytes: Uint8Array) => T
  readonly samples: readonly T[]
}

const codec = <T>(name: string, encode: (value: T) => Uint8Array, decode: (bytes: Uint8Array) => T, samples: readonly T[]): Codec<unknown> =>
  ({ name, encode, decode, samples }) as Codec<unknown>

const jobRequests: JobRequest[] = [
  { type: 'submitJob', specJson: '{"kind":"primes","params":{"start":0,"end":1000000}}' },
  { type: 'getStatus', jobId: 'job-1', units: true },
  { type: 'cancelJob', jobId: 'job-1' }
]

const jobResponses: JobResponse[] = [
  { status: 'OK', message: '', body: { type: 'submitted', jobId: 'job-1', units: 64 } },
  {
    status: 'OK',
    message: '',
    body: {
      type: 'statusReply',
      jobs: [{
        id: 'job-1', kind: 'primes', state: 'running', unitsTotal: 4, unitsAccepted: 1, unitsFailed: 0, resultsReceived: 3,
        createdMs: 1_700_000_000_000, finishedMs: 1_700_000_100_000,
        units: [{ index: 2, state: 'reported', peers: ['a', 'b'], acceptedPeers: ['a'], results: 2 }]
      }]
    }
  },
  { status: 'OK', message: '', body: { type: 'resultReply', valueJson: '1', fileName: 'a.png', mediaType: 'image/png', file: Uint8Array.of(1, 2, 3) } },
  { status: 'INVALID_SPEC', message: 'kind is missing' }
]

const workRequests: WorkRequest[] = [
  { type: 'pull', maxUnits: 8, jobIds: ['job-1'] },
  { type: 'report', results: [{ leaseId: 'lease-1', status: 'ERROR', output: Uint8Array.of(9), error: 'boom', cpuMs: 5 }] },
  { type: 'release', leaseIds: ['lease-1', 'lease-2'] }
]

const workResponses: WorkResponse[] = [
  {
    status: 'OK',
    message: '',
    body: {
      type: 'leases',
      leases: [{ leaseId: 'lease-1', jobId: 'job-1', kind: 'primes', unitIndex: 3, payload: Uint8Array.of(123, 125), deadlineMs: 1_700_000_000_000, timeoutMs: 1000 }]
    }
  },
  { status: 'OK', message: '', body: { type: 'reportAck', acks: [{ leaseId: 'lease-1', status: 'DUPLICATE' }] } },
  { status: 'BUSY', message: 'retry in 5 s' }
]

const announcements: JobAnnouncement[] = [
  { jobId: 'job-1', kind: 'primes', unitsWaiting: 10, coordinator: '12D3KooW', addrs: [Uint8Array.of(4, 127, 0, 0, 1)], timestampMs: 5, seq: 1 }
]

const adminRequests: AdminRequest[] = [
  { type: 'listPeers', token: '' },
  { type: 'setBan', token: 'bWFkZS11cC1hZG1pbi10b2tlbi1mdXp6', peer: '12D3KooW', banned: true }
]

const adminResponses: AdminResponse[] = [
  {
    status: 'OK',
    message: '',
    body: {
      type: 'peers',
      peers: [{
        id: '12D3KooW', address: '/ip4/10.0.0.7/tcp/4001', state: 'trusted', score: 0.75, valid: 12, invalid: 1, errors: 2, timeouts: 0,
        spotPassed: 3, spotFailed: 0, firstSeenMs: 1_700_000_000_000, lastSeenMs: 1_700_000_100_000, credit: 41.5
      }]
    }
  },
  {
    status: 'OK',
    message: '',
    body: {
      type: 'banSet',
      peer: { id: 'a', address: '', state: 'banned', score: 0, valid: 0, invalid: 4, errors: 0, timeouts: 1, spotPassed: 0, spotFailed: 2, firstSeenMs: 5, lastSeenMs: 9, credit: 0.001 }
    }
  },
  { status: 'UNAUTHORIZED', message: 'banning needs the admin token' }
]

const reputationReports: ReputationReport[] = [
  { coordinator: '12D3KooW', timestampMs: 1_700_000_000_000, peers: [{ peer: 'a', state: 'trusted', score: 0.9, verified: 40, invalid: 0 }, { peer: 'b', state: 'banned', score: 0, verified: 1, invalid: 3 }] }
]

const codecs = [
  codec('JobRequest', encodeJobRequest, decodeJobRequest, jobRequests),
  codec('JobResponse', encodeJobResponse, decodeJobResponse, jobResponses),
  codec('WorkRequest', encodeWorkRequest, decodeWorkRequest, workRequests),
  codec('WorkResponse', encodeWorkResponse, decodeWorkResponse, workResponses),
  codec('JobAnnouncement', encodeJobAnnouncement, decodeJobAnnouncement, announcements),
  codec('AdminRequest', encodeAdminRequest, decodeAdminRequest, adminRequests),
  codec('AdminResponse', encodeAdminResponse, decodeAdminResponse, adminResponses),
  codec('ReputationReport', encodeReputationReport, decodeReputationReport, reputationReports)
]

/** Decodes hostile bytes; whatever is accepted must re-encode to something that decodes the same. */
function checkHostile (subject: Codec<unknown>, bytes: Uint8Array): void {
  let decoded: unknown
  try {
    decoded = subject.decode(bytes)
  } catch (error) {
    if (error instanceof MalformedMessageError || error instanceof FrameTooLargeError) return
    throw error
  }
  expect(subject.decode(subject.encode(decoded))).toEqual(decoded)
}

type Edit = { readonly kind: 'set' | 'insert' | 'delete'; readonly at: number; readonly byte: number }

const edit = fc.record({ kind: fc.constantFrom('set', 'insert', 'delete'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) })

function applyEdits (bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  const out = [...bytes]
  for (const { kind, at, byte } of edits) {
    const index = at % (out.length + 1)
    if (kind === 'insert') out.splice(index, 0, byte)
    else if (index < out.length) {
      if (kind === 'set') out[index] = byte
      else out.splice(index, 1)
    }
  }
  return Uint8Array.from(out)
}

describe.each(codecs.map((subject) => [subject.name, subject] as const))('%s decoder', (_, subject) => {
  it('accepts or refuses random bytes, and throws nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => checkHostile(subject, bytes)), PROPERTY)
  })

  it('accepts or refuses randomly edited valid messages, and throws nothing else', () => {
    const mutated = fc.tuple(fc.constantFrom(...subject.samples), fc.array(edit, { minLength: 1, maxLength: 4 }))
    fc.assert(fc.property(mutated, ([sample, edits]) => checkHostile(subject, applyEdits(subject.encode(sample), edits))), PROPERTY)
  })
})

describe('FrameDecoder on random chunks', () => {
  it('yields frames or refuses the stream, and throws nothing else', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const decoder = new FrameDecoder(100)
      try {
        for (const chunk of chunks) {
          for (const frame of decoder.push(chunk)) expect(frame.length).toBeLessThanOrEqual(100)
        }
      } catch (error) {
        if (!(error instanceof MalformedMessageError || error instanceof FrameTooLargeError)) throw error
      }
    }), PROPERTY)
  })
})
