/**
 * Fuzzes the admin protocol's handler (`AdminService.serve`, hence `handle`) on a real store
 * that knows peers seen, credited and banned: random, valid and mutated request frames,
 * framed, unframed, cut short or announced over the frame limit, in random chunks. Requests
 * carry the admin token, near misses of it, none, or random text, and name known peers or
 * new ones.
 *
 * Contract per case: `serve` never throws and answers once (or not at all for an empty
 * stream) with a reply that decodes and is never INTERNAL; a frame that does not decode is
 * answered with its protocol error and the database does not change; listing peers changes
 * nothing and lists the peers the store holds; a ban or unban without the right token is
 * UNAUTHORIZED and changes nothing; with it, the named peer ends up banned or not as asked,
 * the reply says so, and every other peer's record is as it was.
 */
import fc from 'fast-check'
import type { PeerRow } from '../coordinator/store.ts'
import { decodeAdminRequest, decodeAdminResponse, encodeAdminRequest, type AdminRequest, type AdminResponse } from '../protocols/admin.ts'
import { encodeFrame } from '../protocols/frame.ts'
import { sameMessage } from './fuzz-decoders.ts'
import { ADMIN_TOKEN, CoordinatorCore } from './fuzz-harness.ts'
import { adminRequestArb, namedPeerArb } from './fuzz-messages.ts'
import { concat, varint } from './fuzz-mutations.ts'
import { exchange } from './fuzz-exchange.ts'
import { chunk } from './fuzz-stream.ts'
import { fail, inputArb, inputBytes, runProperty, Tally, type FuzzInput, type FuzzTarget } from './fuzz-target.ts'

/** Cases between fresh databases: bounds the peers a listing returns, and with it a case's cost. */
const EPOCH = 2_000
/** The frame limits coordinator.ts gives the admin protocol. */
const ADMIN_STREAM = { maxFrameSize: 64 * 1024, maxWriteFrameSize: 64 * 1024 * 1024, maxReplyFrameSize: 64 * 1024 * 1024 }

interface AdminCase {
  readonly request: FuzzInput<AdminRequest>
  readonly framing: 'framed' | 'unframed' | 'cut' | 'oversized'
  readonly cut: number
  readonly chunks: readonly number[]
}

/** Mostly the token itself, else what a guess or a typo sends: the timing-safe compare sees equal and unequal lengths. */
const tokenArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ADMIN_TOKEN) },
  { weight: 2, arbitrary: fc.constantFrom('', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN.slice(0, -1)}A`, ADMIN_TOKEN.toUpperCase(), `${ADMIN_TOKEN}=`, ` ${ADMIN_TOKEN}`, `${ADMIN_TOKEN}\n`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }
)

/** `@n` stands for the n-th peer the store holds, resolved when the case runs. */
const peerRefArb = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 50 }).map((n) => `@${n}`) }, { weight: 1, arbitrary: namedPeerArb })

const adminCaseArb: fc.Arbitrary<AdminCase> = fc.record({
  request: inputArb(adminRequestArb(tokenArb, peerRefArb), { random: 1, valid: 3, mutated: 4 }),
  framing: fc.constantFrom('framed', 'framed', 'framed', 'unframed', 'cut', 'oversized'),
  cut: fc.nat(),
  chunks: fc.array(fc.integer({ min: 1, max: 512 }), { maxLength: 6 })
})

function resolve (request: AdminRequest, known: readonly string[]): AdminRequest {
  if (request.type === 'listPeers') return request
  const ref = /^@(\d+)$/.exec(request.peer)
  return ref == null || known.length === 0 ? request : { ...request, peer: known[Number(ref[1]) % known.length]! }
}

function frameAs (body: Uint8Array, c: AdminCase): Uint8Array {
  switch (c.framing) {
    case 'unframed': return body
    case 'framed': return encodeFrame(body)
    case 'cut': {
      const framed = encodeFrame(body)
      return framed.subarray(0, c.cut % Math.max(1, framed.length))
    }
    // A length prefix over the limit, followed by bytes that never reach it.
    case 'oversized': return concat(varint(ADMIN_STREAM.maxFrameSize + 1 + (c.cut % 4096)), body)
  }
}

export class AdminServiceFuzz {
  #core: CoordinatorCore | undefined
  #cases = 0
  readonly #seed: number

  constructor (seed: number) {
    this.#seed = seed
  }

  #fresh (): CoordinatorCore {
    this.#core?.close()
    const core = this.#core = new CoordinatorCore(this.#seed + this.#cases)
    core.scheduler.peers.seen('seen-peer', '/ip4/10.0.0.7/tcp/4001', Date.now())
    core.completeJob(['credited-a', 'credited-b'])
    core.scheduler.setBanned('banned-peer', true)
    return core
  }

  close (): void {
    this.#core?.close()
    this.#core = undefined
  }

  /** Runs one case and says how it ended; throws FuzzPropertyError when the contract broke. */
  async check (c: AdminCase): Promise<string> {
    const core = this.#core == null || this.#cases++ % EPOCH === 0 ? this.#fresh() : this.#core
    const peersBefore = core.store.listPeers()
    const body = inputBytes(c.request, (r) => encodeAdminRequest(resolve(r, peersBefore.map((p) => p.id))))
    const outcome = await exchange({
      chunks: chunk(frameAs(body, c), c.chunks),
      stream: ADMIN_STREAM,
      decodeRequest: decodeAdminRequest,
      decodeReply: decodeAdminResponse,
      serve: async (frames) => { await core.admin.serve(frames) },
      dataVersion: () => core.dataVersion()
    })
    if ('ended' in outcome) return outcome.ended
    const { request, reply, unchanged } = outcome
    if (request.type === 'listPeers') {
      unchanged('listing peers')
      if (reply.status !== 'OK' || reply.body.type !== 'peers') fail(`listing peers got ${reply.status}`)
      const listed = reply.body.peers.map((p) => [p.id, p.state])
      const held = peersBefore.map((p) => [p.id, p.state])
      if (!sameMessage(listed, held)) fail(`listing peers gave ${JSON.stringify(listed)}, but the store holds ${JSON.stringify(held)}`)
      return 'list: OK'
    }
    const action = request.banned ? 'ban' : 'unban'
    if (request.token !== ADMIN_TOKEN) {
      if (reply.status !== 'UNAUTHORIZED') fail(`a ${action} with a wrong token got ${reply.status}`)
      unchanged(`a ${action} with a wrong token`)
      return `${action}: UNAUTHORIZED`
    }
    return checkBan(core, request, reply, peersBefore)
  }
}

/** A ban or unban with the admin token: it lands on the named peer, and on no other. */
function checkBan (core: CoordinatorCore, request: AdminRequest & { type: 'setBan' }, reply: AdminResponse, peersBefore: readonly PeerRow[]): string {
  const action = request.banned ? 'ban' : 'unban'
  if (reply.status !== 'OK' || reply.body.type !== 'banSet') fail(`a ${action} with the token got ${reply.status}`)
  const stored = core.store.getPeer(request.peer)
  if (stored == null) fail(`the ${action}ned peer ${request.peer} is not in the store`)
  if ((stored.state === 'banned') !== request.banned) fail(`after a ${action}, ${request.peer} is ${stored.state}`)
  if (reply.body.peer.id !== request.peer || reply.body.peer.state !== stored.state) {
    fail(`a ${action} of ${request.peer} (now ${stored.state}) reported ${reply.body.peer.id} as ${reply.body.peer.state}`)
  }
  // Other peers may lose credit: a ban re-opens the units its votes helped accept, and takes
  // back what they were granted. Nothing else about them changes, and nobody gains.
  const others = (rows: readonly PeerRow[]): Array<Omit<PeerRow, 'credit'>> => rows.filter((p) => p.id !== request.peer).map(({ credit: _, ...rest }) => rest)
  const peersAfter = core.store.listPeers()
  if (!sameMessage(others(peersAfter), others(peersBefore))) fail(`a ${action} of ${request.peer} changed other peers`)
  const creditBefore = new Map(peersBefore.map((p) => [p.id, p.credit]))
  const gainer = peersAfter.find((p) => p.id !== request.peer && p.credit > (creditBefore.get(p.id) ?? 0))
  if (gainer != null) fail(`a ${action} of ${request.peer} raised the credit of ${gainer.id}`)
  const known = peersBefore.some((p) => p.id === request.peer)
  return `${action}: OK, ${known ? 'known' : 'new'} peer`
}

export const adminServiceTarget: FuzzTarget = {
  name: 'AdminService.serve',
  async run (options) {
    const fuzz = new AdminServiceFuzz(options.seed)
    const tally = new Tally()
    try {
      return await runProperty(this.name, adminCaseArb, async (c) => { tally.add(await fuzz.check(c)) }, tally, { ...options, shrink: false })
    } finally {
      fuzz.close()
    }
  }
}
