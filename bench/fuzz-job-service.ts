/**
 * Fuzzes the client protocol's handler (`JobService.serve`, hence `handle`) on a real store:
 * random, valid and mutated request frames, framed, unframed or cut short, in random chunks.
 *
 * Contract per case: `serve` never throws and answers once (or not at all for an empty
 * stream) with a reply that decodes and is never INTERNAL; a frame that does not decode is
 * answered with its protocol error and the database does not change; a read-only or bogus
 * request changes nothing; only a valid submission adds a job (exactly one, with the units it
 * announced) and only a cancel of a running job ends one.
 */
import fc from 'fast-check'
import { MAX_FRAME_BYTES } from '../protocols/constants.ts'
import { encodeFrame } from '../protocols/frame.ts'
import { decodeJobRequest, decodeJobResponse, encodeJobRequest, type JobRequest, type JobResponse } from '../protocols/jobs.ts'
import { checkJobSpec } from '../jobs/spec.ts'
import { CoordinatorCore } from './fuzz-harness.ts'
import { idArb, jobRequestArb } from './fuzz-messages.ts'
import { exchange } from './fuzz-exchange.ts'
import { chunk } from './fuzz-stream.ts'
import { fail, inputArb, inputBytes, runProperty, Tally, type FuzzInput, type FuzzTarget } from './fuzz-target.ts'

/** Cases between fresh databases: bounds the store's growth, and with it the cost of a case. */
const EPOCH = 2_000
const PEERS = ['client-a', 'client-b', 'client-c']

interface JobCase {
  readonly peer: number
  readonly request: FuzzInput<JobRequest>
  readonly framing: 'framed' | 'unframed' | 'cut'
  readonly cut: number
  readonly chunks: readonly number[]
}

/** `@n` stands for the n-th job the coordinator knows, resolved when the case runs. */
const jobRefArb = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 50 }).map((n) => `@${n}`) }, { weight: 1, arbitrary: idArb })

const jobCaseArb: fc.Arbitrary<JobCase> = fc.record({
  peer: fc.nat({ max: PEERS.length - 1 }),
  request: inputArb(jobRequestArb(jobRefArb), { random: 1, valid: 3, mutated: 4 }),
  framing: fc.constantFrom('framed', 'framed', 'framed', 'unframed', 'cut'),
  cut: fc.nat(),
  chunks: fc.array(fc.integer({ min: 1, max: 512 }), { maxLength: 6 })
})

function resolve (request: JobRequest, known: readonly string[]): JobRequest {
  if (request.type === 'submitJob') return request
  const ref = /^@(\d+)$/.exec(request.jobId)
  return ref == null || known.length === 0 ? request : { ...request, jobId: known[Number(ref[1]) % known.length]! }
}

export class JobServiceFuzz {
  #core: CoordinatorCore | undefined
  #known: string[] = []
  #cases = 0
  readonly #seed: number

  constructor (seed: number) {
    this.#seed = seed
  }

  #fresh (): CoordinatorCore {
    this.#core?.close()
    const core = this.#core = new CoordinatorCore(this.#seed + this.#cases)
    const running = core.scheduler.addJob({ kind: 'primes', params: { from: 0, to: 10_000 }, units: 4 }, PEERS[0]!).jobId
    const cancelled = core.scheduler.addJob({ kind: 'primes', params: { from: 0, to: 10_000 }, units: 2 }, PEERS[1]!).jobId
    core.scheduler.cancel(cancelled)
    this.#known = [running, cancelled, core.completeJob()]
    return core
  }

  close (): void {
    this.#core?.close()
    this.#core = undefined
  }

  /** Runs one case and says how it ended; throws FuzzPropertyError when the contract broke. */
  async check (c: JobCase): Promise<string> {
    const core = this.#core == null || this.#cases++ % EPOCH === 0 ? this.#fresh() : this.#core
    const peer = PEERS[c.peer]!
    const body = inputBytes(c.request, (r) => encodeJobRequest(resolve(r, this.#known)))
    const framed = c.framing === 'unframed' ? body : encodeFrame(body)
    const bytes = c.framing === 'cut' ? framed.subarray(0, c.cut % Math.max(1, framed.length)) : framed
    let before: Before | undefined
    const outcome = await exchange({
      chunks: chunk(bytes, c.chunks),
      stream: { maxFrameSize: MAX_FRAME_BYTES.jobRequest, maxWriteFrameSize: MAX_FRAME_BYTES.jobResponse, maxReplyFrameSize: MAX_FRAME_BYTES.jobResponse },
      decodeRequest: decodeJobRequest,
      decodeReply: decodeJobResponse,
      serve: async (frames) => { await core.jobs.serve(frames, peer) },
      dataVersion: () => core.dataVersion(),
      before: (request) => {
        before = {
          jobs: core.count('SELECT COUNT(*) AS n FROM jobs'),
          state: request != null && request.type !== 'submitJob' && request.jobId !== '' ? core.jobState(request.jobId) : undefined
        }
      }
    })
    if ('ended' in outcome) return outcome.ended
    const { request, reply, unchanged } = outcome
    return this.#checkAnswer(core, request, reply, peer, before!, unchanged)
  }

  #checkAnswer (core: CoordinatorCore, request: JobRequest, reply: JobResponse, peer: string, before: Before, unchanged: (what: string) => void): string {
    const jobsNow = core.count('SELECT COUNT(*) AS n FROM jobs')
    switch (request.type) {
      case 'submitJob': {
        let spec: unknown
        let parsed = true
        try { spec = JSON.parse(request.specJson) } catch { parsed = false }
        if (!parsed || !checkJobSpec(spec).ok) {
          if (reply.status !== 'INVALID_SPEC') fail(`an invalid spec got ${reply.status}: ${request.specJson.slice(0, 200)}`)
          unchanged('an invalid submission')
          return 'submit: invalid spec'
        }
        if (reply.status === 'BUSY') {
          unchanged('a refused submission')
          return 'submit: busy'
        }
        if (reply.status !== 'OK' || reply.body.type !== 'submitted') fail(`a valid spec got ${reply.status}: ${request.specJson.slice(0, 200)}`)
        if (jobsNow !== before.jobs + 1) fail(`a submission added ${jobsNow - before.jobs} jobs`)
        const stored = core.rows<{ units_total: number, submitter: string, state: string }>('SELECT units_total, submitter, state FROM jobs WHERE id = ?', reply.body.jobId)[0]
        if (stored == null || stored.units_total !== reply.body.units || stored.submitter !== peer || stored.state !== 'running') {
          fail(`the submitted job ${reply.body.jobId} is stored as ${JSON.stringify(stored)}`)
        }
        this.#known.push(reply.body.jobId)
        return 'submit: accepted'
      }
      case 'getStatus': {
        unchanged('a status request')
        const exists = request.jobId === '' || before.state != null
        if (reply.status !== (exists ? 'OK' : 'UNKNOWN_JOB')) fail(`status of ${exists ? 'a known' : 'an unknown'} job got ${reply.status}`)
        return `status: ${reply.status}`
      }
      case 'getResult': {
        unchanged('a result request')
        const want = before.state == null ? 'UNKNOWN_JOB' : before.state === 'completed' ? 'OK' : 'NOT_READY'
        if (reply.status !== want) fail(`result of a ${before.state ?? 'unknown'} job got ${reply.status}, not ${want}`)
        return `result: ${reply.status}`
      }
      case 'cancelJob': {
        if (before.state == null) {
          if (reply.status !== 'UNKNOWN_JOB') fail(`cancelling an unknown job got ${reply.status}`)
          unchanged('cancelling an unknown job')
          return 'cancel: unknown'
        }
        if (reply.status !== 'OK') fail(`cancelling a ${before.state} job got ${reply.status}`)
        if (before.state !== 'running') {
          unchanged(`cancelling a ${before.state} job`)
          return 'cancel: already ended'
        }
        const after = core.jobState(request.jobId)
        if (after !== 'cancelled') fail(`a cancelled running job is ${after}`)
        if (jobsNow !== before.jobs) fail('a cancel changed the number of jobs')
        return 'cancel: cancelled'
      }
    }
  }
}

interface Before { jobs: number, state: string | undefined }

export const jobServiceTarget: FuzzTarget = {
  name: 'JobService.serve',
  async run (options) {
    const fuzz = new JobServiceFuzz(options.seed)
    const tally = new Tally()
    try {
      return await runProperty(this.name, jobCaseArb, async (c) => { tally.add(await fuzz.check(c)) }, tally, { ...options, shrink: false })
    } finally {
      fuzz.close()
    }
  }
}
