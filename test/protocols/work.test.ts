import { describe, expect, it } from '@jest/globals'
import { STATUSES, type Status } from '../../protocols/common.ts'
import { MAX_CREDIT_MILLI, MAX_FRAME_BYTES, MAX_JOB_FILTER, MAX_UNITS_PER_FRAME } from '../../protocols/constants.ts'
import { FrameTooLargeError, MalformedMessageError } from '../../protocols/errors.ts'
import {
  RESULT_STATUSES,
  decodeWorkRequest,
  decodeWorkResponse,
  encodeWorkRequest,
  encodeWorkResponse,
  type Lease,
  type ResultStatus,
  type WorkRequest,
  type WorkResponse
} from '../../protocols/work.ts'
import { expectThrows } from './expect-error.ts'
import { bytesField, message, text, uint, wire, type Bytes } from './wire-builder.ts'

const OK = 1

/** The status numbers fixed by common.proto; peers of other versions rely on them. */
const STATUS_NUMBERS: Array<[Status, number]> = [
  ['OK', 1],
  ['MALFORMED', 2],
  ['FRAME_TOO_LARGE', 3],
  ['UNKNOWN_JOB', 4],
  ['INVALID_SPEC', 5],
  ['NOT_FOUND', 6],
  ['BANNED', 7],
  ['UNSUPPORTED', 8],
  ['INTERNAL', 9],
  ['NO_WORK', 10],
  ['LEASE_EXPIRED', 11],
  ['UNKNOWN_LEASE', 12],
  ['DUPLICATE', 13],
  ['NOT_READY', 14],
  ['BUSY', 15],
  ['UNAUTHORIZED', 16]
]

const RESULT_STATUS_NUMBERS: Array<[ResultStatus, number]> = [['OK', 1], ['ERROR', 2], ['TIMEOUT', 3], ['OUT_OF_MEMORY', 4]]

const lease: Lease = {
  leaseId: 'lease-1',
  jobId: 'job-1',
  kind: 'primes',
  unitIndex: 7,
  payload: new TextEncoder().encode('{"start":0,"end":1000}'),
  deadlineMs: 1_700_000_030_000,
  timeoutMs: 30_000
}

const leaseBytes = message(1,
  text(1, 'lease-1'), text(2, 'job-1'), text(3, 'primes'), uint(4, 7), text(5, '{"start":0,"end":1000}'),
  uint(6, 1_700_000_030_000), uint(7, 30_000))

const requests: Array<[string, WorkRequest, Uint8Array]> = [
  ['Pull from any job', { type: 'pull', maxUnits: 4, jobIds: [] }, wire(message(1, uint(1, 4)))],
  ['Pull from some jobs', { type: 'pull', maxUnits: MAX_UNITS_PER_FRAME, jobIds: ['job-1', 'job-2'] },
    wire(message(1, uint(1, MAX_UNITS_PER_FRAME), text(2, 'job-1'), text(2, 'job-2')))],
  ['Report', {
    type: 'report',
    results: [
      { leaseId: 'lease-1', status: 'OK', output: Uint8Array.of(1, 2), error: '', cpuMs: 12 },
      { leaseId: 'lease-2', status: 'OUT_OF_MEMORY', output: new Uint8Array(0), error: 'heap limit', cpuMs: 0 }
    ]
  }, wire(message(2,
    message(1, text(1, 'lease-1'), uint(2, 1), bytesField(3, [1, 2]), uint(5, 12)),
    message(1, text(1, 'lease-2'), uint(2, 4), text(4, 'heap limit'))))],
  ['empty Report', { type: 'report', results: [] }, wire(message(2))],
  ['Release', { type: 'release', leaseIds: ['lease-1', 'lease-2'] }, wire(message(3, text(1, 'lease-1'), text(1, 'lease-2')))]
]

const responses: Array<[string, WorkResponse, Uint8Array]> = [
  ['Leases', { status: 'OK', message: '', body: { type: 'leases', leases: [lease, { ...lease, leaseId: 'lease-2', unitIndex: 0 }] } },
    wire(uint(1, OK), message(3, leaseBytes, message(1,
      text(1, 'lease-2'), text(2, 'job-1'), text(3, 'primes'), text(5, '{"start":0,"end":1000}'),
      uint(6, 1_700_000_030_000), uint(7, 30_000))))],
  ['Leases with the latest deadline a JS number holds exactly', {
    status: 'OK',
    message: '',
    body: { type: 'leases', leases: [{ ...lease, deadlineMs: Number.MAX_SAFE_INTEGER, timeoutMs: 0xffff_ffff }] }
  }, wire(uint(1, OK), message(3, message(1,
    text(1, 'lease-1'), text(2, 'job-1'), text(3, 'primes'), uint(4, 7), text(5, '{"start":0,"end":1000}'),
    uint(6, 2n ** 53n - 1n), uint(7, 0xffff_ffff))))],
  ['no Leases', { status: 'OK', message: '', body: { type: 'leases', leases: [] } }, wire(uint(1, OK), message(3))],
  ['ReportAck', {
    status: 'OK',
    message: '',
    body: { type: 'reportAck', acks: [{ leaseId: 'lease-1', status: 'OK' }, { leaseId: 'lease-2', status: 'LEASE_EXPIRED' }] }
  }, wire(uint(1, OK), message(4, message(1, text(1, 'lease-1'), uint(2, 1)), message(1, text(1, 'lease-2'), uint(2, 11))))],
  ['Released', { status: 'OK', message: '', body: { type: 'released' } }, wire(uint(1, OK), message(5))],
  ['NO_WORK', { status: 'NO_WORK', message: 'nothing is waiting' }, wire(uint(1, 10), text(2, 'nothing is waiting'))],
  ['BANNED', { status: 'BANNED', message: '' }, wire(uint(1, 7))],
  ['NO_WORK with the standing of the worker', { status: 'NO_WORK', message: '', standing: { credit: 12.345, score: 0.5, state: 'probation' } },
    wire(uint(1, 10), message(6, uint(1, 12_345), uint(2, 500_000), uint(3, 1)))],
  ['BANNED with the standing of the worker', { status: 'BANNED', message: '', standing: { credit: 0, score: 0, state: 'banned' } },
    wire(uint(1, 7), message(6, uint(3, 3)))],
  ['Released with the standing of a trusted worker', { status: 'OK', message: '', body: { type: 'released' }, standing: { credit: 1_234_567.891, score: 1, state: 'trusted' } },
    wire(uint(1, OK), message(5), message(6, uint(1, 1_234_567_891), uint(2, 1_000_000), uint(3, 2)))]
]

describe('WorkRequest', () => {
  it.each(requests)('%s encodes to its wire layout and back', (_, request, bytes) => {
    expect(encodeWorkRequest(request)).toEqual(bytes)
    expect(decodeWorkRequest(bytes)).toEqual(request)
  })

  it.each(RESULT_STATUS_NUMBERS)('numbers result status %s as %i', (status, number) => {
    const bytes = wire(message(2, message(1, text(1, 'l'), uint(2, number))))
    const request: WorkRequest = { type: 'report', results: [{ leaseId: 'l', status, output: new Uint8Array(0), error: '', cpuMs: 0 }] }
    expect(decodeWorkRequest(bytes)).toEqual(request)
    expect(encodeWorkRequest(request)).toEqual(bytes)
  })

  it('numbers every result status', () => {
    expect(RESULT_STATUS_NUMBERS.map(([status]) => status).sort()).toEqual([...RESULT_STATUSES].sort())
  })

  it.each<[string, Bytes[], string]>([
    ['no request at all', [], 'WorkRequest carries no request'],
    ['a Pull for no units', [message(1)], 'Pull.maxUnits must be an integer from 1 to 1024, not 0'],
    ['a Pull for too many units', [message(1, uint(1, MAX_UNITS_PER_FRAME + 1))], 'Pull.maxUnits must be an integer from 1 to 1024'],
    ['a Pull naming too many jobs', [message(1, uint(1, 1), ...Array.from({ length: MAX_JOB_FILTER + 1 }, () => text(2, 'j')))], 'Pull.jobIds has more than 64 values'],
    ['a Pull naming an empty job id', [message(1, uint(1, 1), text(2, ''))], 'Pull.jobIds[] must not be empty'],
    ['a result without a status', [message(2, message(1, text(1, 'l')))], 'UnitResult.status is missing'],
    ['a result status this version does not know', [message(2, message(1, text(1, 'l'), uint(2, 5)))], 'UnitResult.status is 5'],
    ['a result without a lease id', [message(2, message(1, uint(2, 1)))], 'UnitResult.leaseId must not be empty'],
    ['an unknown field in a result', [message(2, message(1, text(1, 'l'), uint(2, 1), uint(6, 1)))], 'UnitResult has no field 6'],
    ['a Release of an empty lease id', [message(3, text(1, 'l'), text(1, ''))], 'Release.leaseIds[] must not be empty'],
    // Four million two-byte empty results would fit in 8 MiB; the count limit stops them early.
    ['a Report of more results than a frame may carry', [message(2, ...Array.from({ length: MAX_UNITS_PER_FRAME + 1 }, () => message(1)))],
      'Report.results has more than 1024 values']
  ])('rejects %s', (_, parts, problem) => {
    expectThrows(() => decodeWorkRequest(wire(...parts)), MalformedMessageError, problem)
  })

  it('rejects a frame over 8 MiB before looking inside it', () => {
    expectThrows(() => decodeWorkRequest(new Uint8Array(MAX_FRAME_BYTES.workRequest + 1)), FrameTooLargeError, 'WorkRequest is 8388609 bytes')
  })

  it.each<[string, WorkRequest, typeof MalformedMessageError | typeof FrameTooLargeError, string]>([
    ['a Pull for no units', { type: 'pull', maxUnits: 0, jobIds: [] }, MalformedMessageError, 'Pull.maxUnits must be an integer from 1'],
    ['a negative CPU time', { type: 'report', results: [{ leaseId: 'l', status: 'OK', output: new Uint8Array(0), error: '', cpuMs: -1 }] }, MalformedMessageError, 'UnitResult.cpuMs must be an integer'],
    ['a result status that does not exist', { type: 'report', results: [{ leaseId: 'l', status: 'LOST' as ResultStatus, output: new Uint8Array(0), error: '', cpuMs: 0 }] }, MalformedMessageError, 'UnitResult.status is "LOST", which is not a ResultStatus'],
    ['results over the frame limit', {
      type: 'report',
      results: [1, 2].map((index) => ({ leaseId: `l${index}`, status: 'OK', output: new Uint8Array(MAX_FRAME_BYTES.workRequest / 2), error: '', cpuMs: 0 }))
    }, FrameTooLargeError, 'WorkRequest is']
  ])('refuses to encode %s', (_, request, type, problem) => {
    expectThrows(() => encodeWorkRequest(request), type, problem)
  })
})

describe('WorkResponse', () => {
  it.each(responses)('%s encodes to its wire layout and back', (_, response, bytes) => {
    expect(encodeWorkResponse(response)).toEqual(bytes)
    expect(decodeWorkResponse(bytes)).toEqual(response)
  })

  it.each(STATUS_NUMBERS)('numbers status %s as %i', (status, number) => {
    const bytes = wire(uint(1, OK), message(4, message(1, text(1, 'l'), uint(2, number))))
    const response: WorkResponse = { status: 'OK', message: '', body: { type: 'reportAck', acks: [{ leaseId: 'l', status }] } }
    expect(decodeWorkResponse(bytes)).toEqual(response)
    expect(encodeWorkResponse(response)).toEqual(bytes)
  })

  it('numbers every status', () => {
    expect(STATUS_NUMBERS.map(([status]) => status).sort()).toEqual([...STATUSES].sort())
  })

  it.each<[string, Bytes[], string]>([
    ['OK without a body', [uint(1, OK)], 'WorkResponse is OK but has no body'],
    ['NO_WORK with leases', [uint(1, 10), message(3)], 'WorkResponse has status NO_WORK and a body'],
    ['an ack without a status', [uint(1, OK), message(4, message(1, text(1, 'l')))], 'LeaseAck.status is missing'],
    ['an ack without a lease id', [uint(1, OK), message(4, message(1, uint(2, 1)))], 'LeaseAck.leaseId must not be empty'],
    ['a lease without a kind', [uint(1, OK), message(3, message(1, text(1, 'l'), text(2, 'j')))], 'Lease.kind must not be empty'],
    ['a lease deadline beyond exact JS numbers', [uint(1, OK), message(3, message(1, text(1, 'l'), uint(6, 2 ** 53)))], 'Lease.deadlineMs is beyond 2^53 - 1'],
    ['an unknown field in a lease', [uint(1, OK), message(3, message(1, text(1, 'l'), uint(8, 1)))], 'Lease has no field 8'],
    ['a lease id sent as a number', [uint(1, OK), message(3, message(1, uint(1, 1)))], 'Lease.leaseId arrived with wire type 0'],
    ['a standing without a state', [uint(1, 10), message(6, uint(1, 5))], 'Standing.state is missing'],
    ['a standing state this version does not know', [uint(1, 10), message(6, uint(3, 9))], 'Standing.state is 9'],
    ['a score above 1', [uint(1, 10), message(6, uint(2, 1_000_001), uint(3, 1))], 'Standing.scorePpm must be an integer from 0 to 1000000'],
    ['credit beyond exact JS numbers', [uint(1, 10), message(6, uint(1, 2 ** 53), uint(3, 1))], 'Standing.creditMilli is beyond 2^53 - 1'],
    // Found by `npm run fuzz`: above 2^51 thousandths, thousandths / 1000 can re-encode as a neighbour (this one as …990).
    ['credit that would not re-encode as sent', [uint(1, 10), message(6, uint(1, 4_485_313_845_146_989), uint(3, 1))], `Standing.creditMilli must be an integer from 0 to ${MAX_CREDIT_MILLI}`]
  ])('rejects %s', (_, parts, problem) => {
    expectThrows(() => decodeWorkResponse(wire(...parts)), MalformedMessageError, problem)
  })

  it.each<[string, WorkResponse, string]>([
    ['a lease without a job id', { status: 'OK', message: '', body: { type: 'leases', leases: [{ ...lease, jobId: '' }] } }, 'Lease.jobId must not be empty'],
    ['a unit index beyond uint32', { status: 'OK', message: '', body: { type: 'leases', leases: [{ ...lease, unitIndex: 2 ** 32 }] } }, 'Lease.unitIndex must be an integer'],
    ['a deadline beyond exact JS numbers', { status: 'OK', message: '', body: { type: 'leases', leases: [{ ...lease, deadlineMs: 2 ** 53 }] } }, 'Lease.deadlineMs must be an integer'],
    ['more leases than a frame may carry', { status: 'OK', message: '', body: { type: 'leases', leases: new Array<Lease>(MAX_UNITS_PER_FRAME + 1).fill(lease) } }, 'Leases.leases has more than 1024 values'],
    ['negative credit', { status: 'NO_WORK', message: '', standing: { credit: -1, score: 0.5, state: 'probation' } }, 'Standing.creditMilli must be an integer from 0'],
    ['a score above 1', { status: 'NO_WORK', message: '', standing: { credit: 0, score: 1.5, state: 'probation' } }, 'Standing.scorePpm must be an integer from 0 to 1000000'],
    ['a state that does not exist', { status: 'NO_WORK', message: '', standing: { credit: 0, score: 0.5, state: 'famous' as 'trusted' } }, 'Standing.state is "FAMOUS", which is not a PeerState']
  ])('refuses to encode %s', (_, response, problem) => {
    expectThrows(() => encodeWorkResponse(response), MalformedMessageError, problem)
  })

  it('carries the largest credit it accepts exactly', () => {
    const response: WorkResponse = { status: 'NO_WORK', message: '', standing: { credit: MAX_CREDIT_MILLI / 1000, score: 0.5, state: 'probation' } }
    expect(decodeWorkResponse(encodeWorkResponse(response))).toEqual(response)
  })
})
