/**
 * Talks to a coordinator on `/peergrid/jobs/1.0.0` from a short-lived client peer: submit,
 * status, result, cancel. Error statuses become {@link CoordinatorRequestError}s that carry
 * the coordinator's status and message.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_FRAME_BYTES } from '../protocols/constants.ts'
import type { Status } from '../protocols/common.ts'
import { PROTOCOLS } from '../protocols/ids.ts'
import { decodeJobResponse, encodeJobRequest, type JobRequest, type JobResponseBody, type JobStatus, type ResultReply } from '../protocols/jobs.ts'
import { createPeerGridNode, type PeerGridNode } from '../protocols/node.ts'
import { request } from '../protocols/stream.ts'
import { decodeAdminResponse, encodeAdminRequest, type AdminRequest, type AdminResponseBody, type PeerInfo } from '../protocols/admin.ts'

export class CoordinatorRequestError extends Error {
  override name = 'CoordinatorRequestError'
  readonly status: Status
  constructor (status: Status, message: string) {
    super(message)
    this.status = status
  }
}

export interface JobsClientInit {
  coordinator: string
  privateKey?: PrivateKey
  timeoutMs?: number
}

export class JobsClient {
  readonly #node: PeerGridNode<false>
  readonly #coordinator: string
  readonly #timeoutMs: number

  private constructor (node: PeerGridNode<false>, coordinator: string, timeoutMs: number) {
    this.#node = node
    this.#coordinator = coordinator
    this.#timeoutMs = timeoutMs
  }

  static async connect (init: JobsClientInit): Promise<JobsClient> {
    multiaddr(init.coordinator) // throws a clear parse error for a bad address before any network work
    const node = await createPeerGridNode({ privateKey: init.privateKey ?? await generateKeyPair('Ed25519'), listen: [], pubsub: false, logPrefix: 'peergrid:client' })
    return new JobsClient(node, init.coordinator, init.timeoutMs ?? 30_000)
  }

  get peerId (): string { return this.#node.peerId.toString() }

  /** The body of an OK reply with the coordinator's message (a note beside it, often empty). */
  async #askWithMessage<T extends JobResponseBody['type']> (req: JobRequest, expect: T): Promise<{ body: Extract<JobResponseBody, { type: T }>, message: string }> {
    const bytes = await request(this.#node, this.#coordinator, PROTOCOLS.jobs, encodeJobRequest(req), { maxFrameSize: MAX_FRAME_BYTES.jobResponse, timeoutMs: this.#timeoutMs })
    const response = decodeJobResponse(bytes)
    if (response.status !== 'OK') throw new CoordinatorRequestError(response.status, response.message)
    if (response.body.type !== expect) throw new CoordinatorRequestError('MALFORMED', `expected a ${expect} reply, got ${response.body.type}`)
    return { body: response.body as Extract<JobResponseBody, { type: T }>, message: response.message }
  }

  async #ask<T extends JobResponseBody['type']> (req: JobRequest, expect: T): Promise<Extract<JobResponseBody, { type: T }>> {
    return (await this.#askWithMessage(req, expect)).body
  }

  async submit (specJson: string): Promise<{ jobId: string, units: number }> {
    const body = await this.#ask({ type: 'submitJob', specJson }, 'submitted')
    return { jobId: body.jobId, units: body.units }
  }

  async status (jobId = '', units = false): Promise<readonly JobStatus[]> {
    return (await this.#ask({ type: 'getStatus', jobId, units }, 'statusReply')).jobs
  }

  /**
   * The jobs the coordinator lists: its newest ones, oldest of them first, and how many it
   * holds in all. `note` says so in words when the list leaves some out, and is empty otherwise.
   */
  async list (): Promise<{ jobs: readonly JobStatus[], total: number, note: string }> {
    const { body, message } = await this.#askWithMessage({ type: 'getStatus', jobId: '', units: false }, 'statusReply')
    return { jobs: body.jobs, total: body.totalJobs ?? body.jobs.length, note: message }
  }

  async result (jobId: string): Promise<ResultReply> {
    return await this.#ask({ type: 'getResult', jobId }, 'resultReply')
  }

  async cancel (jobId: string): Promise<void> {
    await this.#ask({ type: 'cancelJob', jobId }, 'cancelled')
  }

  async #admin<T extends AdminResponseBody['type']> (req: AdminRequest, expect: T): Promise<Extract<AdminResponseBody, { type: T }>> {
    const bytes = await request(this.#node, this.#coordinator, PROTOCOLS.admin, encodeAdminRequest(req), { maxFrameSize: 64 * 1024 * 1024, timeoutMs: this.#timeoutMs })
    const response = decodeAdminResponse(bytes)
    if (response.status !== 'OK') throw new CoordinatorRequestError(response.status, response.message)
    if (response.body.type !== expect) throw new CoordinatorRequestError('MALFORMED', `expected a ${expect} reply, got ${response.body.type}`)
    return response.body as Extract<AdminResponseBody, { type: T }>
  }

  /** Every peer this coordinator knows, with its reputation. */
  async peers (): Promise<readonly PeerInfo[]> {
    return (await this.#admin({ type: 'listPeers', token: '' }, 'peers')).peers
  }

  /** Bans (or unbans) a peer; needs the coordinator's admin token. */
  async setBan (peer: string, banned: boolean, token: string): Promise<PeerInfo> {
    return (await this.#admin({ type: 'setBan', token, peer, banned }, 'banSet')).peer
  }

  async close (): Promise<void> {
    await this.#node.stop()
  }
}
