/**
 * Fuzzes the worker protocol's handler (`WorkService.serve`, hence `handle`) on a real store.
 * Three fuzzing peers send streams of random, valid and mutated pulls, reports and releases
 * that name their own leases, another peer's, and made-up ones; a fourth peer ("alice")
 * holds leases and never speaks.
 *
 * Contract per case: `serve` never throws; it answers each frame in order with a reply that
 * decodes and is never INTERNAL, and stops after the first frame it refuses (with that
 * frame's protocol error); a refused first frame changes nothing; a result for a lease the
 * peer was never given is UNKNOWN_LEASE. Across cases: nobody releases or reports alice's
 * leases, every accepted unit rests on `quorum` distinct agreeing peers and is not accepted
 * again unless a ban re-opened it, and no job appears or disappears.
 */
import fc from 'fast-check'
import { MAX_FRAME_BYTES } from '../protocols/constants.ts'
import { ProtocolError } from '../protocols/errors.ts'
import { encodeFrame } from '../protocols/frame.ts'
import { decodeWorkRequest, decodeWorkResponse, encodeWorkRequest, RESULT_STATUSES, type ResultStatus, type WorkRequest, type WorkResponse } from '../protocols/work.ts'
import { CoordinatorCore, validOutput } from './fuzz-harness.ts'
import { idArb } from './fuzz-messages.ts'
import { concat } from './fuzz-mutations.ts'
import { chunk, converse, splitFrames } from './fuzz-stream.ts'
import { fail, FuzzPropertyError, inputArb, inputBytes, runProperty, Tally, type FuzzInput, type FuzzTarget } from './fuzz-target.ts'

const EPOCH = 1_000
const PEERS = ['worker-0', 'worker-1', 'worker-2']
const ALICE = 'alice'
const QUORUM = 2
const decoder = new TextDecoder()

type LeaseRef = { readonly mine: number } | { readonly alice: number } | { readonly literal: string }
type OutputRef = { readonly valid: true } | { readonly literal: Uint8Array }

interface ResultTemplate { readonly lease: LeaseRef, readonly status: ResultStatus, readonly output: OutputRef, readonly error: string, readonly cpuMs: number }

/** A work request whose lease and job ids are references, resolved against the state when the case runs. */
type WorkTemplate =
  | { readonly type: 'pull', readonly maxUnits: number, readonly jobs: ReadonlyArray<number | string> }
  | { readonly type: 'report', readonly results: readonly ResultTemplate[] }
  | { readonly type: 'release', readonly leases: readonly LeaseRef[] }

const leaseRefArb: fc.Arbitrary<LeaseRef> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ mine: fc.nat({ max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ alice: fc.nat({ max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ literal: idArb }) }
)

const templateArb: fc.Arbitrary<WorkTemplate> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ type: fc.constant('pull' as const), maxUnits: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1024 })), jobs: fc.array(fc.oneof(fc.nat({ max: 20 }), idArb), { maxLength: 2 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('report' as const),
      results: fc.array(fc.record({
        lease: leaseRefArb,
        status: fc.constantFrom(...RESULT_STATUSES, 'OK', 'OK'),
        output: fc.oneof({ weight: 4, arbitrary: fc.constant({ valid: true as const }) }, { weight: 1, arbitrary: fc.record({ literal: fc.uint8Array({ maxLength: 40 }) }) }),
        error: fc.string({ maxLength: 20 }),
        cpuMs: fc.nat({ max: 10_000 })
      }), { minLength: 1, maxLength: 6 })
    })
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('release' as const), leases: fc.array(leaseRefArb, { maxLength: 4 }) }) }
)

interface WorkCase {
  readonly peer: number
  readonly frames: ReadonlyArray<FuzzInput<WorkTemplate>>
  readonly tail: 'none' | 'garbage' | 'cut'
  readonly tailBytes: Uint8Array
  readonly chunks: readonly number[]
}

const workCaseArb: fc.Arbitrary<WorkCase> = fc.record({
  peer: fc.nat({ max: PEERS.length - 1 }),
  frames: fc.array(inputArb(templateArb, { random: 1, valid: 4, mutated: 3 }), { minLength: 1, maxLength: 3 }),
  tail: fc.constantFrom('none', 'none', 'none', 'garbage', 'cut'),
  tailBytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  chunks: fc.array(fc.integer({ min: 1, max: 512 }), { maxLength: 8 })
})

interface HeldLease { id: string, kind: string, payload: string }

export class WorkServiceFuzz {
  #core: CoordinatorCore | undefined
  #cases = 0
  readonly #seed: number
  readonly #options: { bans?: boolean }
  /** Every lease ever issued to each fuzzing peer: only these may be acknowledged as theirs. */
  #issued = new Map<string, HeldLease[]>()
  #issuedIds = new Map<string, Set<string>>()
  #alice: string[] = []
  #jobs: string[] = []
  #accepted = 0

  constructor (seed: number, options: { bans?: boolean } = {}) {
    this.#seed = seed
    this.#options = options
  }

  #addJob (core: CoordinatorCore): string {
    const { jobId } = core.scheduler.addJob({ kind: 'primes', params: { from: 0, to: 5_000 }, units: 25, quorum: QUORUM, unitTimeoutMs: 3_600_000 }, 'submitter')
    this.#jobs.push(jobId)
    return jobId
  }

  #fresh (): CoordinatorCore {
    this.#core?.close()
    const core = this.#core = new CoordinatorCore(this.#seed + this.#cases, this.#options)
    this.#issued = new Map(PEERS.map((p) => [p, []]))
    this.#issuedIds = new Map(PEERS.map((p) => [p, new Set()]))
    this.#jobs = []
    this.#accepted = 0
    const aliceJob = this.#addJob(core)
    this.#alice = core.scheduler.lease(ALICE, 8, [aliceJob]).map((l) => l.id)
    this.#addJob(core)
    return core
  }

  close (): void {
    this.#core?.close()
    this.#core = undefined
  }

  #resolveLease (ref: LeaseRef, mine: readonly HeldLease[]): { id: string, held?: HeldLease } {
    if ('mine' in ref) {
      const held = mine[ref.mine % Math.max(1, mine.length)]
      return held == null ? { id: `none.${ref.mine}` } : { id: held.id, held }
    }
    if ('alice' in ref) return { id: this.#alice[ref.alice % this.#alice.length]! }
    return { id: ref.literal }
  }

  #resolve (template: WorkTemplate, peer: string): WorkRequest {
    const mine = this.#issued.get(peer)!
    switch (template.type) {
      case 'pull':
        return { type: 'pull', maxUnits: template.maxUnits, jobIds: template.jobs.map((j) => typeof j === 'number' ? this.#jobs[j % this.#jobs.length]! : j) }
      case 'release':
        return { type: 'release', leaseIds: template.leases.map((ref) => this.#resolveLease(ref, mine).id) }
      case 'report':
        return {
          type: 'report',
          results: template.results.map((r) => {
            const { id, held } = this.#resolveLease(r.lease, mine)
            const output = 'valid' in r.output ? (held != null ? validOutput(held.kind, held.payload) : new Uint8Array()) : r.output.literal
            return { leaseId: id, status: r.status, output: r.status === 'OK' ? output : new Uint8Array(), error: r.error, cpuMs: r.cpuMs }
          })
        }
    }
  }

  /** Runs one case and says how each frame was answered; throws FuzzPropertyError when the contract broke. */
  async check (c: WorkCase): Promise<string[]> {
    const core = this.#core == null || this.#cases++ % EPOCH === 0 ? this.#fresh() : this.#core
    const peer = PEERS[c.peer]!
    const bodies = c.frames.map((f) => inputBytes(f, (t) => encodeWorkRequest(this.#resolve(t, peer))))
    const framed = concat(...bodies.map(encodeFrame))
    const bytes = c.tail === 'garbage'
      ? concat(framed, c.tailBytes)
      : c.tail === 'cut' ? framed.subarray(0, Math.max(0, framed.length - c.tailBytes.length)) : framed
    const chunks = chunk(bytes, c.chunks)
    const expected = splitFrames(chunks, MAX_FRAME_BYTES.workRequest)
    const requests: WorkRequest[] = []
    let refusal: string | undefined
    for (const frame of expected.frames) {
      try {
        requests.push(decodeWorkRequest(frame))
      } catch (err) {
        refusal = err instanceof ProtocolError ? err.status : fail(`decodeWorkRequest threw ${(err as Error).name}: ${(err as Error).message}`)
        break
      }
    }
    if (refusal == null && expected.end !== 'clean') refusal = expected.end instanceof ProtocolError ? expected.end.status : 'MALFORMED'
    const version = core.dataVersion()
    const jobs = core.count('SELECT COUNT(*) AS n FROM jobs')

    const { replies } = await converse(async (frames) => { await core.work.serve(frames, peer) }, chunks,
      { maxFrameSize: MAX_FRAME_BYTES.workRequest, maxWriteFrameSize: MAX_FRAME_BYTES.workResponse, maxReplyFrameSize: MAX_FRAME_BYTES.workResponse })
    const want = requests.length + (refusal != null ? 1 : 0)
    if (replies.length !== want) fail(`${requests.length} requests${refusal != null ? ' and a refusal' : ''} got ${replies.length} replies`)
    const responses = replies.map((bytes) => {
      try {
        return decodeWorkResponse(bytes)
      } catch (err) {
        return fail(`a reply does not decode: ${(err as Error).message}`)
      }
    })
    for (const response of responses) if (response.status === 'INTERNAL') fail(`INTERNAL reply (a handler fault, not the peer's): ${response.message}`)
    requests.forEach((request, i) => { this.#checkAnswer(request, responses[i]!, peer) })
    if (refusal != null) {
      const last = responses[responses.length - 1]!
      if (last.status !== refusal) fail(`a refused frame got ${last.status}, not ${refusal}`)
      if (requests.length === 0 && core.dataVersion() !== version) fail('a refused first frame changed the database')
    }
    this.#checkInvariants(core, jobs)
    if (core.scheduler.openJobs().length < 2) this.#addJob(core)
    const answered = requests.map((request, i) => `${request.type}: ${responses[i]!.status}`)
    return refusal != null ? [...answered, `refused ${refusal}`] : answered.length > 0 ? answered : ['empty stream']
  }

  #checkAnswer (request: WorkRequest, response: WorkResponse, peer: string): void {
    if (response.status === 'BANNED') return
    switch (request.type) {
      case 'pull':
        if (response.status === 'NO_WORK') return
        if (response.status !== 'OK' || response.body.type !== 'leases') return fail(`a pull got ${response.status}`)
        if (response.body.leases.length > request.maxUnits) fail(`a pull for ${request.maxUnits} got ${response.body.leases.length} leases`)
        for (const lease of response.body.leases) {
          const ids = this.#issuedIds.get(peer)!
          if (ids.has(lease.leaseId)) fail(`lease ${lease.leaseId} was issued twice`)
          ids.add(lease.leaseId)
          this.#issued.get(peer)!.push({ id: lease.leaseId, kind: lease.kind, payload: decoder.decode(lease.payload) })
        }
        return
      case 'report': {
        if (response.status !== 'OK' || response.body.type !== 'reportAck') return fail(`a report got ${response.status}`)
        const acks = response.body.acks
        if (acks.length !== request.results.length) fail(`${request.results.length} results got ${acks.length} acks`)
        acks.forEach((ack, i) => {
          const leaseId = request.results[i]!.leaseId
          if (ack.leaseId !== leaseId) fail(`ack ${i} names lease ${ack.leaseId}, not ${leaseId}`)
          if (!this.#issuedIds.get(peer)!.has(leaseId) && ack.status !== 'UNKNOWN_LEASE') fail(`${peer} reported on lease ${leaseId}, never issued to it, and got ${ack.status}`)
        })
        return
      }
      case 'release':
        if (response.status !== 'OK' || response.body.type !== 'released') fail(`a release got ${response.status}`)
    }
  }

  #checkInvariants (core: CoordinatorCore, jobsBefore: number): void {
    const marks = this.#alice.map(() => '?').join(', ')
    if (core.count(`SELECT COUNT(*) AS n FROM leases WHERE id IN (${marks}) AND state NOT IN ('active', 'cancelled')`, ...this.#alice) > 0) {
      fail(`one of alice's leases was ended by someone else: ${JSON.stringify(core.rows(`SELECT id, state FROM leases WHERE id IN (${marks})`, ...this.#alice))}`)
    }
    if (core.count(`SELECT COUNT(*) AS n FROM results WHERE lease_id IN (${marks})`, ...this.#alice) > 0) fail('a result was recorded against one of alice\'s leases')
    if (core.count('SELECT COUNT(*) AS n FROM jobs') !== jobsBefore) fail('the number of jobs changed')
    const accepted = core.count("SELECT COUNT(*) AS n FROM unit_events WHERE event = 'accepted'")
    if (accepted === this.#accepted) return
    this.#accepted = accepted
    // A ban may re-open an accepted unit (backtracking), which may then be accepted again: never twice in a row.
    const twice = core.rows<{ job_id: string, idx: number }>(`SELECT job_id, idx FROM unit_events WHERE event IN ('accepted', 'reopened')
      GROUP BY job_id, idx HAVING SUM(event = 'accepted') - SUM(event = 'reopened') NOT IN (0, 1)`)
    if (twice.length > 0) {
      const { job_id: jobId, idx } = twice[0]!
      fail(`${twice.length} units were accepted twice without being re-opened in between; events of the first: ${JSON.stringify(core.rows('SELECT event, at_ms FROM unit_events WHERE job_id = ? AND idx = ? ORDER BY seq', jobId, String(idx)))}`)
    }
    const weak = core.rows<{ job_id: string, idx: number, n: number }>(`SELECT u.job_id, u.idx,
      (SELECT COUNT(DISTINCT r.peer) FROM results r WHERE r.job_id = u.job_id AND r.idx = u.idx AND r.digest = u.digest AND r.counted = 1) AS n
      FROM units u WHERE u.state = 'accepted'`).filter((u) => u.n < QUORUM)
    if (weak.length > 0) {
      const { job_id: jobId, idx } = weak[0]!
      const evidence = core.rows('SELECT lease_id, peer, status, digest, counted FROM results WHERE job_id = ? AND idx = ? ORDER BY received_ms', jobId, String(idx))
      fail(`units accepted on fewer than ${QUORUM} agreeing peers: ${JSON.stringify(weak)}; results of the first: ${JSON.stringify(evidence)}`)
    }
  }
}

/** The target as configured in production; `bans: false` leaves out automatic bans and their backtracking. */
export function workServiceTarget (options: { bans?: boolean } = {}): FuzzTarget {
  return {
    name: options.bans === false ? 'WorkService.serve/no-bans' : 'WorkService.serve',
    async run (fuzzOptions) {
      const fuzz = new WorkServiceFuzz(fuzzOptions.seed, options)
      const tally = new Tally()
      try {
        return await runProperty(this.name, workCaseArb, async (c) => { for (const outcome of await fuzz.check(c)) tally.add(outcome) }, tally, { ...fuzzOptions, shrink: false })
      } finally {
        fuzz.close()
      }
    }
  }
}
