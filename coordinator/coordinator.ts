/**
 * A coordinator: a super-peer that owns jobs. It wires the store, scheduler, protocol
 * services and announcer to one libp2p node and runs the lease-expiry clock.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { getKind } from '../jobs/registry.ts'
import { createEngine, type Engine } from '../worker/engine.ts'
import { startDashboard, type DashboardServer } from '../dashboard/server.ts'
import { BANNED_APP_SCORE } from '../protocols/constants-net.ts'
import { AdminService } from './admin-service.ts'
import { ReputationGossip } from './reputation-gossip.ts'
import { PROTOCOLS, TOPICS } from '../protocols/ids.ts'
import { loadOrCreateIdentity } from '../protocols/identity.ts'
import { createPeerGridNode, multiaddrStrings, type PeerGridNode } from '../protocols/node.ts'
import { handle } from '../protocols/stream.ts'
import { MAX_FRAME_BYTES } from '../protocols/constants.ts'
import { TOPIC_VALIDATORS } from '../protocols/topic-validators.ts'
import { Announcer } from './announcer.ts'
import { DEFAULT_ANNOUNCE_INTERVAL_MS, DEFAULT_EXPIRY_INTERVAL_MS, MAX_JOB_STREAMS_PER_CONNECTION, MAX_WORK_STREAMS_PER_CONNECTION } from './constants.ts'
import { JobService } from './job-service.ts'
import { Scheduler } from './scheduler.ts'
import { Store } from './store.ts'
import { WorkService, type WorkServiceInit } from './work-service.ts'

const log = logger('peergrid:coordinator')

export interface CoordinatorInit {
  dataDir: string
  /** Multiaddrs to listen on (default: loopback TCP, WebSockets and webrtc-direct on free ports). */
  listen?: string[]
  bootstrap?: string[]
  announceIntervalMs?: number
  expiryIntervalMs?: number
  reputationIntervalMs?: number
  /** Coordinators whose reputation reports count fully (others count at DEFAULT_REPORTER_TRUST). */
  trustedCoordinators?: string[]
  /** Per-peer limits of the work protocol (defaults in constants.ts). */
  work?: Omit<WorkServiceInit, 'now'>
  /** The web dashboard and its JSON API (dashboard/server.ts); absent: no HTTP server. */
  http?: { host?: string, port?: number, fallbackToFreePort?: boolean }
}

/** Written to the data directory so that local clients find this coordinator. */
export const ADDRESSES_FILE = 'addresses.json'
/** The admin token (ban, unban) lives here, readable by the coordinator's owner only. */
export const ADMIN_TOKEN_FILE = 'admin.token'
/** Units of each credibility job the coordinator computes itself: the first known answers. */
export const SEED_UNITS = 3

export function loadOrCreateAdminToken (dataDir: string): string {
  const path = join(dataDir, ADMIN_TOKEN_FILE)
  const existing = existsSync(path) ? readFileSync(path, 'utf8').trim() : ''
  // An empty file (truncated, or written by hand) gets a fresh token rather than none.
  if (existing !== '') return existing
  const token = randomBytes(24).toString('base64url')
  writeFileSync(path, token + '\n', { mode: 0o600 })
  return token
}

export class Coordinator {
  readonly #init: CoordinatorInit
  #store: Store | undefined
  #scheduler: Scheduler | undefined
  #node: PeerGridNode | undefined
  #announcer: Announcer | undefined
  #expiryTimer: NodeJS.Timeout | undefined
  #seeder: Engine | undefined
  #gossip: ReputationGossip | undefined
  #dashboard: DashboardServer | undefined

  constructor (init: CoordinatorInit) {
    this.#init = init
  }

  get node (): PeerGridNode { return this.#required(this.#node) }
  get store (): Store { return this.#required(this.#store) }
  get scheduler (): Scheduler { return this.#required(this.#scheduler) }
  get peerId (): string { return this.node.peerId.toString() }
  get reputationGossip (): ReputationGossip { return this.#required(this.#gossip) }
  get multiaddrs (): string[] { return multiaddrStrings(this.node) }
  /** Where the dashboard is served, when it is. */
  get dashboardUrl (): string | undefined { return this.#dashboard?.url }

  #required<T> (value: T | undefined): T {
    if (value == null) throw new Error('the coordinator is not started')
    return value
  }

  async start (): Promise<void> {
    const { dataDir } = this.#init
    const privateKey = await loadOrCreateIdentity(dataDir)
    const store = this.#store = new Store(dataDir)
    const scheduler = this.#scheduler = new Scheduler(store)
    scheduler.load()
    const node = this.#node = await createPeerGridNode({
      privateKey,
      // Banned peers fall out of the gossip mesh and are ignored there.
      appScore: (peer) => scheduler.peers.isBanned(peer) ? BANNED_APP_SCORE : 0,
      ...(this.#init.listen != null ? { listen: this.#init.listen } : {}),
      bootstrap: this.#init.bootstrap ?? [],
      pubsub: true,
      discovery: true,
      topicValidators: TOPIC_VALIDATORS,
      logPrefix: 'peergrid:coordinator'
    })
    node.services.pubsub.subscribe(TOPICS.jobs)
    const jobs = new JobService(store, scheduler)
    const work = new WorkService(scheduler, this.#init.work)
    const peerOf = (connection: { remotePeer: { toString: () => string }, remoteAddr: { toString: () => string } }): string => {
      const peer = connection.remotePeer.toString()
      scheduler.peers.seen(peer, connection.remoteAddr.toString(), Date.now())
      return peer
    }
    const adminToken = loadOrCreateAdminToken(dataDir)
    const admin = new AdminService(store, scheduler, adminToken)
    await handle(node, PROTOCOLS.admin, async (frames) => { await admin.serve(frames) },
      { maxFrameSize: 64 * 1024, maxWriteFrameSize: 64 * 1024 * 1024, maxInboundStreams: MAX_JOB_STREAMS_PER_CONNECTION })
    scheduler.peers.on('peer:banned', ({ peer }) => {
      log('closing connections of banned peer %s', peer)
      void node.hangUp(peerIdFromString(peer)).catch(() => {})
    })
    scheduler.on('job:added', ({ jobId }) => { void this.#seed(jobId) })
    await handle(node, PROTOCOLS.jobs, async (frames, connection) => { await jobs.serve(frames, peerOf(connection)) },
      { maxFrameSize: MAX_FRAME_BYTES.jobRequest, maxWriteFrameSize: MAX_FRAME_BYTES.jobResponse, maxInboundStreams: MAX_JOB_STREAMS_PER_CONNECTION })
    await handle(node, PROTOCOLS.work, async (frames, connection) => { await work.serve(frames, peerOf(connection)) },
      { maxFrameSize: MAX_FRAME_BYTES.workRequest, maxInboundStreams: MAX_WORK_STREAMS_PER_CONNECTION })
    this.#gossip = new ReputationGossip(node, store, {
      ...(this.#init.reputationIntervalMs != null ? { intervalMs: this.#init.reputationIntervalMs } : {}),
      trusted: this.#init.trustedCoordinators ?? []
    })
    scheduler.peers.prior = this.#gossip.prior
    this.#gossip.start()
    this.#announcer = new Announcer(node, scheduler, this.#init.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS)
    this.#announcer.start()
    this.#expiryTimer = setInterval(() => {
      try {
        scheduler.expire()
      } catch (err) {
        log.error('expiring leases failed: %e', err)
      }
    }, this.#init.expiryIntervalMs ?? DEFAULT_EXPIRY_INTERVAL_MS)
    if (this.#init.http != null) {
      this.#dashboard = await startDashboard({
        ...this.#init.http,
        source: { store, scheduler, adminToken, connections: () => node.getConnections().map((c) => c.remotePeer.toString()) }
      })
    }
    this.#writeAddresses()
    log('coordinator %s listening on %s', this.peerId, this.multiaddrs.join(', '))
  }

  #writeAddresses (): void {
    const path = join(this.#init.dataDir, ADDRESSES_FILE)
    writeFileSync(path + '.tmp', JSON.stringify({ peerId: this.peerId, addresses: this.multiaddrs, pid: process.pid }, null, 2) + '\n')
    renameSync(path + '.tmp', path)
  }

  /** Computes a few units of a credibility job here, so spot-checks have known answers at once. */
  async #seed (jobId: string): Promise<void> {
    const row = this.store.getJob(jobId)
    if (row == null || (JSON.parse(row.spec_json) as { validation?: string }).validation !== 'credibility') return
    this.#seeder ??= createEngine({ threads: 1 })
    this.#seeder.start()
    const units = this.store.unitsOf(jobId)
    for (let i = 0; i < Math.min(SEED_UNITS, units.length); i++) {
      const unit = units[Math.floor(Math.random() * units.length)]!
      const outcome = await this.#seeder.run(getKind(row.kind).name, JSON.parse(unit.payload_json))
      if (outcome.status !== 'ok' || this.#scheduler == null) return
      this.#scheduler.addTrustedResult(jobId, unit.idx, outcome.output)
    }
  }

  async stop (): Promise<void> {
    await this.#dashboard?.stop()
    this.#dashboard = undefined
    await this.#seeder?.stop()
    this.#gossip?.stop()
    clearInterval(this.#expiryTimer)
    this.#announcer?.stop()
    await this.#node?.stop()
    this.#store?.close()
    this.#node = undefined
    this.#store = undefined
    this.#scheduler = undefined
  }
}

export function createCoordinator (init: CoordinatorInit): Coordinator {
  return new Coordinator(init)
}
