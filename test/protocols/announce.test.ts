import { describe, expect, it } from '@jest/globals'
import { decodeJobAnnouncement, encodeJobAnnouncement, type JobAnnouncement } from '../../protocols/announce.ts'
import { MAX_ADDR_BYTES, MAX_ANNOUNCED_ADDRS, MAX_FRAME_BYTES } from '../../protocols/constants.ts'
import { FrameTooLargeError, MalformedMessageError } from '../../protocols/errors.ts'
import { expectThrows } from './expect-error.ts'
import { bytesField, text, uint, wire, type Bytes } from './wire-builder.ts'

const COORDINATOR = '12D3KooWGzh8XvGDTC4nQG3XRLQ1ioBArgzG4hvzk1ZtqxfGZXCd'
/** /ip4/127.0.0.1/tcp/4001 in multiaddr binary form: code 4, four address bytes, code 6, big-endian port. */
const TCP_ADDR = [0x04, 127, 0, 0, 1, 0x06, 0x0f, 0xa1]
/** /ip4/10.0.0.2/udp/4001 */
const UDP_ADDR = [0x04, 10, 0, 0, 2, 0x91, 0x02, 0x0f, 0xa1]

const announcement: JobAnnouncement = {
  jobId: 'job-1',
  kind: 'mandelbrot',
  unitsWaiting: 40,
  coordinator: COORDINATOR,
  addrs: [Uint8Array.from(TCP_ADDR), Uint8Array.from(UDP_ADDR)],
  timestampMs: 1_700_000_000_000,
  seq: 3
}

const fields = {
  jobId: text(1, 'job-1'),
  kind: text(2, 'mandelbrot'),
  coordinator: text(4, COORDINATOR)
}

describe('JobAnnouncement', () => {
  it.each<[string, JobAnnouncement, Uint8Array]>([
    ['with addresses', announcement, wire(
      fields.jobId, fields.kind, uint(3, 40), fields.coordinator, bytesField(5, TCP_ADDR), bytesField(5, UDP_ADDR),
      uint(6, 1_700_000_000_000), uint(7, 3))],
    ['of a job with nothing waiting', { ...announcement, unitsWaiting: 0, addrs: [], timestampMs: 0, seq: 0 },
      wire(fields.jobId, fields.kind, fields.coordinator)]
  ])('%s encodes to its wire layout and back', (_, value, bytes) => {
    expect(encodeJobAnnouncement(value)).toEqual(bytes)
    expect(decodeJobAnnouncement(bytes)).toEqual(value)
  })

  it.each<[string, Bytes[], string]>([
    ['no job id', [fields.kind, fields.coordinator], 'JobAnnouncement.jobId must not be empty'],
    ['no kind', [fields.jobId, fields.coordinator], 'JobAnnouncement.kind must not be empty'],
    ['no coordinator', [fields.jobId, fields.kind], 'JobAnnouncement.coordinator must not be empty'],
    ['an empty address', [fields.jobId, fields.kind, fields.coordinator, bytesField(5, [])], 'JobAnnouncement.addrs[] must not be empty'],
    ['too many addresses', [fields.jobId, fields.kind, fields.coordinator, ...Array.from({ length: MAX_ANNOUNCED_ADDRS + 1 }, () => bytesField(5, TCP_ADDR))],
      'JobAnnouncement.addrs has more than 32 values'],
    ['an address over its limit', [fields.jobId, bytesField(5, new Array<number>(MAX_ADDR_BYTES + 1).fill(4))], 'JobAnnouncement.addrs is 513 bytes'],
    ['an unknown field such as a signature', [fields.jobId, fields.kind, fields.coordinator, bytesField(8, [1, 2, 3])], 'JobAnnouncement has no field 8'],
    ['a sequence number beyond uint32', [fields.jobId, fields.kind, fields.coordinator, uint(7, 2 ** 32)], 'JobAnnouncement.seq is 4294967296']
  ])('rejects %s', (_, parts, problem) => {
    expectThrows(() => decodeJobAnnouncement(wire(...parts)), MalformedMessageError, problem)
  })

  it('rejects an announcement over 16 KiB', () => {
    expectThrows(() => decodeJobAnnouncement(new Uint8Array(MAX_FRAME_BYTES.announcement + 1)), FrameTooLargeError, 'JobAnnouncement is 16385 bytes')
  })

  it('refuses to encode an announcement without a coordinator', () => {
    expectThrows(() => encodeJobAnnouncement({ ...announcement, coordinator: '' }), MalformedMessageError, 'JobAnnouncement.coordinator must not be empty')
  })
})
