import { describe, expect, it } from '@jest/globals'
import { MAX_FRAME_BYTES, MAX_ID_BYTES } from '../../protocols/constants.ts'
import { FrameTooLargeError, MalformedMessageError } from '../../protocols/errors.ts'
import {
  decodeJobRequest,
  decodeJobResponse,
  encodeJobRequest,
  encodeJobResponse,
  type JobRequest,
  type JobResponse,
  type JobStatus
} from '../../protocols/jobs.ts'
import { expectThrows } from './expect-error.ts'
import { bytesField, message, text, uint, wire, type Bytes } from './wire-builder.ts'

const OK = 1

const running: JobStatus = {
  id: 'job-1',
  kind: 'mandelbrot',
  state: 'running',
  unitsTotal: 16,
  unitsAccepted: 3,
  unitsFailed: 1,
  resultsReceived: 9,
  createdMs: 1_700_000_000_000,
  units: [
    { index: 0, state: 'accepted', peers: ['12D3KooWA', '12D3KooWB'], acceptedPeers: ['12D3KooWA'], results: 2 },
    { index: 1, state: 'waiting', peers: [], acceptedPeers: [], results: 0 }
  ]
}

const runningBytes: Bytes = [
  ...text(1, 'job-1'), ...text(2, 'mandelbrot'), ...text(3, 'running'), ...uint(4, 16), ...uint(5, 3), ...uint(6, 1),
  ...uint(7, 9), ...uint(8, 1_700_000_000_000),
  // Index 0 is proto3's default, so it is not on the wire.
  ...message(10, text(2, 'accepted'), text(3, '12D3KooWA'), text(3, '12D3KooWB'), text(4, '12D3KooWA'), uint(5, 2)),
  ...message(10, uint(1, 1), text(2, 'waiting'))
]

/** Each request with its encoding as the protobuf spec lays it out from jobs.proto. */
const requests: Array<[string, JobRequest, Uint8Array]> = [
  ['SubmitJob', { type: 'submitJob', specJson: '{"kind":"primes"}' }, wire(message(1, text(1, '{"kind":"primes"}')))],
  ['GetStatus of one job', { type: 'getStatus', jobId: 'job-1', units: true }, wire(message(2, text(1, 'job-1'), uint(2, 1)))],
  ['GetStatus of all jobs', { type: 'getStatus', jobId: '', units: false }, wire(message(2))],
  ['GetResult', { type: 'getResult', jobId: 'job-1' }, wire(message(3, text(1, 'job-1')))],
  ['CancelJob', { type: 'cancelJob', jobId: 'jöb-✓' }, wire(message(4, text(1, 'jöb-✓')))]
]

const responses: Array<[string, JobResponse, Uint8Array]> = [
  ['Submitted', { status: 'OK', message: '', body: { type: 'submitted', jobId: 'job-1', units: 12 } },
    wire(uint(1, OK), message(3, text(1, 'job-1'), uint(2, 12)))],
  ['StatusReply', { status: 'OK', message: 'one job', body: { type: 'statusReply', jobs: [running] } },
    wire(uint(1, OK), text(2, 'one job'), message(4, message(1, runningBytes)))],
  ['StatusReply of a finished job', {
    status: 'OK',
    message: '',
    body: { type: 'statusReply', jobs: [{ ...running, state: 'done', finishedMs: 1_700_000_360_000, units: [] }] }
  }, wire(uint(1, OK), message(4, message(1,
    text(1, 'job-1'), text(2, 'mandelbrot'), text(3, 'done'), uint(4, 16), uint(5, 3), uint(6, 1), uint(7, 9),
    uint(8, 1_700_000_000_000), uint(9, 1_700_000_360_000))))],
  ['StatusReply finished at time zero', {
    status: 'OK',
    message: '',
    body: { type: 'statusReply', jobs: [{ ...running, finishedMs: 0, units: [] }] }
  }, wire(uint(1, OK), message(4, message(1,
    text(1, 'job-1'), text(2, 'mandelbrot'), text(3, 'running'), uint(4, 16), uint(5, 3), uint(6, 1), uint(7, 9),
    uint(8, 1_700_000_000_000), uint(9, 0))))],
  ['empty StatusReply', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [] } }, wire(uint(1, OK), message(4))],
  ['StatusReply of a list, with the total', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [], totalJobs: 10_005 } },
    wire(uint(1, OK), message(4, uint(2, 10_005)))],
  ['StatusReply of an empty list', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [], totalJobs: 0 } },
    wire(uint(1, OK), message(4, uint(2, 0)))],
  ['ResultReply with a file', {
    status: 'OK',
    message: '',
    body: { type: 'resultReply', valueJson: '{"width":64}', fileName: 'set.png', mediaType: 'image/png', file: Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0) }
  }, wire(uint(1, OK), message(5, text(1, '{"width":64}'), text(2, 'set.png'), text(3, 'image/png'), bytesField(4, [0x89, 0x50, 0x4e, 0x47, 0])))],
  ['ResultReply with a value', {
    status: 'OK',
    message: '',
    body: { type: 'resultReply', valueJson: '50847534', fileName: '', mediaType: '', file: new Uint8Array(0) }
  }, wire(uint(1, OK), message(5, text(1, '50847534')))],
  ['Cancelled', { status: 'OK', message: '', body: { type: 'cancelled' } }, wire(uint(1, OK), message(6))],
  ['UNKNOWN_JOB', { status: 'UNKNOWN_JOB', message: 'no job job-9' }, wire(uint(1, 4), text(2, 'no job job-9'))],
  ['INVALID_SPEC', { status: 'INVALID_SPEC', message: 'range.end must exceed range.start' },
    wire(uint(1, 5), text(2, 'range.end must exceed range.start'))],
  ['NOT_READY without a message', { status: 'NOT_READY', message: '' }, wire(uint(1, 14))]
]

describe('JobRequest', () => {
  it.each(requests)('%s encodes to its wire layout and back', (_, request, bytes) => {
    expect(encodeJobRequest(request)).toEqual(bytes)
    expect(decodeJobRequest(bytes)).toEqual(request)
  })

  it.each<[string, Bytes[], string]>([
    ['no request at all', [], 'JobRequest carries no request'],
    ['an unknown field', [message(3, text(1, 'job-1')), uint(5, 1)], 'JobRequest has no field 5'],
    ['an unknown field inside the request', [message(2, text(1, 'job-1'), uint(3, 1))], 'GetStatus has no field 3'],
    ['two requests', [message(3, text(1, 'a')), message(4, text(1, 'a'))], 'sets both'],
    ['a GetResult without a job id', [message(3)], 'GetResult.jobId must not be empty'],
    ['a CancelJob without a job id', [message(4)], 'CancelJob.jobId must not be empty'],
    ['a SubmitJob without a spec', [message(1)], 'SubmitJob.specJson must not be empty'],
    ['a job id over its limit', [message(3, text(1, 'j'.repeat(MAX_ID_BYTES + 1)))], `over its ${MAX_ID_BYTES}-byte limit`],
    ['a job id that is not UTF-8', [message(3, bytesField(1, [0x6a, 0xff, 0xfe]))], 'JobRequest did not decode'],
    ['a job id sent as a number', [message(3, uint(1, 7))], 'GetResult.jobId arrived with wire type 0']
  ])('rejects %s', (_, parts, problem) => {
    expectThrows(() => decodeJobRequest(wire(...parts)), MalformedMessageError, problem)
  })

  it('rejects a request frame over 1 MiB before looking inside it', () => {
    const frame = new Uint8Array(MAX_FRAME_BYTES.jobRequest + 1)
    expectThrows(() => decodeJobRequest(frame), FrameTooLargeError, 'JobRequest is 1048577 bytes')
  })

  it.each<[string, JobRequest, typeof MalformedMessageError | typeof FrameTooLargeError, string]>([
    ['an empty job id', { type: 'cancelJob', jobId: '' }, MalformedMessageError, 'CancelJob.jobId must not be empty'],
    ['a job id over its limit', { type: 'getStatus', jobId: 'j'.repeat(MAX_ID_BYTES + 1), units: false }, MalformedMessageError, 'GetStatus.jobId is 129 bytes'],
    ['a spec over the frame limit', { type: 'submitJob', specJson: 'x'.repeat(MAX_FRAME_BYTES.jobRequest) }, FrameTooLargeError, 'JobRequest is'],
    ['a request type that does not exist', { type: 'deleteJob', jobId: 'a' } as unknown as JobRequest, MalformedMessageError, 'JobRequest has unknown type "deleteJob"']
  ])('refuses to encode %s', (_, request, type, problem) => {
    expectThrows(() => encodeJobRequest(request), type, problem)
  })
})

describe('JobResponse', () => {
  it.each(responses)('%s encodes to its wire layout and back', (_, response, bytes) => {
    expect(encodeJobResponse(response)).toEqual(bytes)
    expect(decodeJobResponse(bytes)).toEqual(response)
  })

  it('decodes file bytes as a plain Uint8Array', () => {
    const decoded = decodeJobResponse(wire(uint(1, OK), message(5, bytesField(4, [1, 2, 3]))))
    expect(decoded.status === 'OK' && decoded.body.type === 'resultReply' && decoded.body.file.constructor).toBe(Uint8Array)
  })

  it.each<[string, Bytes[], string]>([
    ['no status', [message(6)], 'JobResponse.status is missing'],
    ['a status this version does not know', [uint(1, 99)], 'JobResponse.status is 99'],
    ['OK without a body', [uint(1, OK)], 'JobResponse is OK but has no body'],
    ['an error with a body', [uint(1, 4), message(6)], 'JobResponse has status UNKNOWN_JOB and a body'],
    ['an unknown field deep inside a status', [uint(1, OK), message(4, message(1, text(1, 'a'), message(10, uint(9, 1))))], 'UnitStatus has no field 9'],
    ['a job status without an id', [uint(1, OK), message(4, message(1, text(2, 'primes')))], 'JobStatus.id must not be empty'],
    ['a Submitted without a job id', [uint(1, OK), message(3, uint(2, 1))], 'Submitted.jobId must not be empty'],
    ['a created time beyond exact JS numbers', [uint(1, OK), message(4, message(1, text(1, 'a'), uint(8, 2 ** 60)))], 'JobStatus.createdMs is beyond 2^53 - 1'],
    ['a unit with too many peers', [uint(1, OK), message(4, message(1, text(1, 'a'), message(10, ...Array.from({ length: 65 }, () => text(3, 'p')))))], 'UnitStatus.peers has more than 64 values'],
    ['a message over its limit', [uint(1, 9), text(2, 'x'.repeat(4097))], 'JobResponse.message is 4097 bytes']
  ])('rejects %s', (_, parts, problem) => {
    expectThrows(() => decodeJobResponse(wire(...parts)), MalformedMessageError, problem)
  })

  it('accepts a 64 MiB result frame and rejects a byte more', () => {
    const file = new Uint8Array(MAX_FRAME_BYTES.jobResponse - 16)
    const response: JobResponse = { status: 'OK', message: '', body: { type: 'resultReply', valueJson: '', fileName: '', mediaType: '', file } }
    const bytes = encodeJobResponse(response)
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES.jobResponse)
    const decoded = decodeJobResponse(bytes)
    expect(decoded.status === 'OK' && decoded.body.type === 'resultReply' && decoded.body.file.length).toBe(file.length)
    expectThrows(() => decodeJobResponse(new Uint8Array(MAX_FRAME_BYTES.jobResponse + 1)), FrameTooLargeError)
  })

  it.each<[string, JobResponse, string]>([
    ['OK without a body', { status: 'OK', message: '' } as unknown as JobResponse, 'JobResponse is OK but has no body'],
    ['an error with a body', { status: 'BUSY', message: '', body: { type: 'cancelled' } } as unknown as JobResponse, 'JobResponse has status BUSY and a body'],
    ['a status that does not exist', { status: 'MAYBE', message: '' } as unknown as JobResponse, 'JobResponse.status is "MAYBE", which is not a Status'],
    ['a negative count', { status: 'OK', message: '', body: { type: 'submitted', jobId: 'a', units: -1 } }, 'Submitted.units must be an integer from 0'],
    ['a fractional count', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [{ ...running, unitsTotal: 1.5 }] } }, 'JobStatus.unitsTotal must be an integer'],
    ['a negative total', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [], totalJobs: -1 } }, 'StatusReply.totalJobs must be an integer'],
    ['a time beyond exact JS numbers', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [{ ...running, finishedMs: 2 ** 53 }] } }, 'JobStatus.finishedMs must be an integer from 0 to 9007199254740991'],
    ['a unit index beyond uint32', { status: 'OK', message: '', body: { type: 'statusReply', jobs: [{ ...running, units: [{ index: 2 ** 32, state: '', peers: [], acceptedPeers: [], results: 0 }] }] } }, 'UnitStatus.index must be an integer']
  ])('refuses to encode %s', (_, response, problem) => {
    expectThrows(() => encodeJobResponse(response), MalformedMessageError, problem)
  })
})
