/**
 * Arbitraries for valid messages of every PeerGrid wire format, within the limits the codecs
 * enforce: the seeds that mutations turn hostile, and exact round-trip checks in themselves.
 */
import fc from 'fast-check'
import type { AdminRequest, AdminResponse, PeerInfo } from '../protocols/admin.ts'
import type { JobAnnouncement } from '../protocols/announce.ts'
import { STATUSES, type ErrorStatus } from '../protocols/common.ts'
import { MAX_CREDIT_MILLI } from '../protocols/constants.ts'
import type { JobRequest, JobResponse, JobStatus, UnitStatus } from '../protocols/jobs.ts'
import type { ReputationReport } from '../protocols/reputation.ts'
import { RESULT_STATUSES, type Lease, type Standing, type UnitResult, type WorkRequest, type WorkResponse } from '../protocols/work.ts'

const MAX_UINT32 = 0xffff_ffff

/** Strings of ASCII or of whole Unicode graphemes (valid UTF-8), at most `maxBytes` encoded. */
const text = (maxBytes: number, minLength = 0): fc.Arbitrary<string> => fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength, maxLength: maxBytes }),
  fc.string({ unit: 'grapheme', minLength, maxLength: maxBytes }).filter((s) => Buffer.byteLength(s) <= maxBytes)
)

export const idArb = fc.oneof(fc.stringMatching(/^[a-z0-9.]{1,40}$/), text(128, 1))
const peerIdArb = fc.oneof(fc.constant('12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'), fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{1,60}$/))
const uint32 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_UINT32 }))
const uint64 = fc.oneof(fc.integer({ min: 0, max: 2 ** 42 }), fc.maxSafeNat())
const smallBytes = fc.uint8Array({ maxLength: 96 })
/** Credit as it survives the wire: whole thousandths, up to the largest the codecs accept. */
const creditArb = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: MAX_CREDIT_MILLI })).map((milli) => milli / 1000)
const errorStatusArb = fc.constantFrom(...STATUSES.filter((s): s is ErrorStatus => s !== 'OK'))
const statusArb = fc.constantFrom(...STATUSES)

/** Job specs: mostly plausible ones, valid or a field away from it, plus arbitrary JSON. */
export const specJsonArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('primes'), params: fc.record({ from: fc.integer({ min: 0, max: 1000 }), to: fc.integer({ min: 0, max: 20_000 }) }), units: fc.integer({ min: 0, max: 6 }) }).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('montecarlo-pi'), params: fc.record({ samples: fc.integer({ min: 0, max: 10_000 }), seed: fc.integer({ min: -1, max: 100 }) }), units: fc.integer({ min: 1, max: 4 }), quorum: fc.integer({ min: 0, max: 17 }) }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hash-search'), params: fc.record({ data: fc.string({ maxLength: 12 }), difficultyBits: fc.integer({ min: 0, max: 8 }), nonces: fc.integer({ min: 1, max: 4096 }) }), units: fc.integer({ min: 1, max: 4 }) }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mandelbrot'), params: fc.record({ width: fc.integer({ min: 0, max: 32 }), height: fc.integer({ min: 0, max: 32 }), centerX: fc.double({ min: -2, max: 1, noNaN: true }), centerY: fc.double({ min: -1, max: 1, noNaN: true }), scale: fc.double({ min: 0, max: 0.1, noNaN: true }), maxIterations: fc.integer({ min: 0, max: 64 }) }), units: fc.integer({ min: 1, max: 4 }) }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: text(200, 1) }
).filter((s) => s.length > 0)

export const jobRequestArb = (jobIdArb: fc.Arbitrary<string> = idArb): fc.Arbitrary<JobRequest> => fc.oneof(
  fc.record({ type: fc.constant('submitJob' as const), specJson: specJsonArb }),
  fc.record({ type: fc.constant('getStatus' as const), jobId: fc.oneof(fc.constant(''), jobIdArb), units: fc.boolean() }),
  fc.record({ type: fc.constant('getResult' as const), jobId: jobIdArb }),
  fc.record({ type: fc.constant('cancelJob' as const), jobId: jobIdArb })
)

const unitStatusArb: fc.Arbitrary<UnitStatus> = fc.record({
  index: uint32,
  state: fc.constantFrom('waiting', 'leased', 'reported', 'accepted', 'failed'),
  peers: fc.array(peerIdArb, { maxLength: 4 }),
  acceptedPeers: fc.array(peerIdArb, { maxLength: 3 }),
  results: uint32
})

const jobStatusArb: fc.Arbitrary<JobStatus> = fc.record({
  id: idArb,
  kind: fc.constantFrom('primes', 'mandelbrot', 'montecarlo-pi', 'hash-search'),
  state: fc.constantFrom('running', 'completed', 'failed', 'cancelled'),
  unitsTotal: uint32,
  unitsAccepted: uint32,
  unitsFailed: uint32,
  resultsReceived: uint32,
  createdMs: uint64,
  finishedMs: uint64,
  units: fc.array(unitStatusArb, { maxLength: 4 })
}, { requiredKeys: ['id', 'kind', 'state', 'unitsTotal', 'unitsAccepted', 'unitsFailed', 'resultsReceived', 'createdMs', 'units'] })

export const jobResponseArb: fc.Arbitrary<JobResponse> = fc.oneof(
  fc.record({ status: fc.constant('OK' as const), message: text(40), body: fc.oneof(
    fc.record({ type: fc.constant('submitted' as const), jobId: idArb, units: uint32 }),
    fc.record({ type: fc.constant('statusReply' as const), jobs: fc.array(jobStatusArb, { maxLength: 3 }), totalJobs: uint32 }, { requiredKeys: ['type', 'jobs'] }),
    fc.record({ type: fc.constant('resultReply' as const), valueJson: fc.json({ maxDepth: 2 }), fileName: text(20), mediaType: fc.constantFrom('', 'image/png', 'application/json'), file: smallBytes }),
    fc.record({ type: fc.constant('cancelled' as const) })
  ) }),
  fc.record({ status: errorStatusArb, message: text(80) })
)

export const unitResultArb = (leaseIdArb: fc.Arbitrary<string> = idArb, outputArb: fc.Arbitrary<Uint8Array> = smallBytes): fc.Arbitrary<UnitResult> => fc.record({
  leaseId: leaseIdArb,
  status: fc.constantFrom(...RESULT_STATUSES),
  output: outputArb,
  error: text(40),
  cpuMs: uint32
})

export const workRequestArb: fc.Arbitrary<WorkRequest> = fc.oneof(
  fc.record({ type: fc.constant('pull' as const), maxUnits: fc.integer({ min: 1, max: 1024 }), jobIds: fc.array(idArb, { maxLength: 3 }) }),
  fc.record({ type: fc.constant('report' as const), results: fc.array(unitResultArb(), { maxLength: 4 }) }),
  fc.record({ type: fc.constant('release' as const), leaseIds: fc.array(idArb, { maxLength: 4 }) })
)

const leaseArb: fc.Arbitrary<Lease> = fc.record({
  leaseId: idArb, jobId: idArb, kind: fc.constantFrom('primes', 'mandelbrot'), unitIndex: uint32, payload: smallBytes, deadlineMs: uint64, timeoutMs: uint32
})

/** Credit and score as they survive the wire: whole thousandths and millionths. */
const standingArb: fc.Arbitrary<Standing> = fc.record({
  credit: creditArb,
  score: fc.integer({ min: 0, max: 1e6 }).map((ppm) => ppm / 1e6),
  state: fc.constantFrom('probation' as const, 'trusted' as const, 'banned' as const)
})

const replyArb: fc.Arbitrary<WorkResponse> = fc.oneof(
  fc.record({ status: fc.constant('OK' as const), message: text(40), body: fc.oneof(
    fc.record({ type: fc.constant('leases' as const), leases: fc.array(leaseArb, { maxLength: 4 }) }),
    fc.record({ type: fc.constant('reportAck' as const), acks: fc.array(fc.record({ leaseId: idArb, status: statusArb }), { maxLength: 4 }) }),
    fc.record({ type: fc.constant('released' as const) })
  ) }),
  fc.record({ status: errorStatusArb, message: text(80) })
)

export const workResponseArb: fc.Arbitrary<WorkResponse> = fc.tuple(replyArb, fc.option(standingArb, { nil: undefined }))
  .map(([reply, standing]) => standing === undefined ? reply : { ...reply, standing })

export const announcementArb: fc.Arbitrary<JobAnnouncement> = fc.record({
  jobId: idArb,
  kind: fc.constantFrom('primes', 'mandelbrot', 'montecarlo-pi', 'hash-search'),
  unitsWaiting: uint32,
  coordinator: peerIdArb,
  addrs: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 4 }),
  timestampMs: uint64,
  seq: uint32
})

/** Peer ids as the admin and reputation protocols name them: never empty, at most 128 bytes. */
export const namedPeerArb = fc.oneof(peerIdArb, text(128, 1))
const peerStateArb = fc.oneof(fc.constantFrom('probation', 'trusted', 'banned'), text(32))
/** Scores travel in millionths. */
const scoreArb = fc.integer({ min: 0, max: 1e6 }).map((ppm) => ppm / 1e6)

export const adminRequestArb = (tokenArb: fc.Arbitrary<string> = text(128), peerArb: fc.Arbitrary<string> = namedPeerArb): fc.Arbitrary<AdminRequest> => fc.oneof(
  fc.record({ type: fc.constant('listPeers' as const), token: tokenArb }),
  fc.record({ type: fc.constant('setBan' as const), token: tokenArb, peer: peerArb, banned: fc.boolean() })
)

const peerInfoArb: fc.Arbitrary<PeerInfo> = fc.record({
  id: text(128),
  address: fc.oneof(fc.constant(''), fc.constant('/ip4/10.0.0.7/tcp/4001'), text(512)),
  state: peerStateArb,
  score: scoreArb,
  valid: uint32,
  invalid: uint32,
  errors: uint32,
  timeouts: uint32,
  spotPassed: uint32,
  spotFailed: uint32,
  firstSeenMs: uint64,
  lastSeenMs: uint64,
  credit: creditArb
})

export const adminResponseArb: fc.Arbitrary<AdminResponse> = fc.oneof(
  fc.record({ status: fc.constant('OK' as const), message: text(40), body: fc.oneof(
    fc.record({ type: fc.constant('peers' as const), peers: fc.array(peerInfoArb, { maxLength: 4 }) }),
    fc.record({ type: fc.constant('banSet' as const), peer: peerInfoArb })
  ) }),
  fc.record({ status: errorStatusArb, message: text(80) })
)

export const reputationReportArb: fc.Arbitrary<ReputationReport> = fc.record({
  coordinator: namedPeerArb,
  timestampMs: uint64,
  peers: fc.array(fc.record({ peer: namedPeerArb, state: peerStateArb, score: scoreArb, verified: uint32, invalid: uint32 }), { maxLength: 6 })
})
