/**
 * A coordinator: a super-peer that owns jobs. It wires the store, scheduler, protocol
 * services and announcer to one libp2p node and runs the lease-expiry clock.
 */
import { writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
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
import { WorkService } from './work-service.ts'

const log = logger('peergrid:coordinator')

export interface CoordinatorInit {
  dataDir: string
  /** Multiaddrs to listen on (default: loopback TCP, WebSockets and webrtc-direct on free ports). */
  listen?: string[]
  bootstrap?: string[]
  announceIntervalMs?: number
  expiryIntervalMs?: number
}

/** Written to the data directory so that local clients find this coordinator. */
export const ADDRESSES_FILE = 'addresses.json'

export class Coordinator {
  readonly #init: CoordinatorInit
  #store: Store | undefined
  #scheduler: Scheduler | undefined
  #node: PeerGridNode | undefined
  #announcer: Announcer | undefined
  #expiryTimer: NodeJS.Timeout | undefined

  constructor (init: CoordinatorInit) {
    this.#init = init
  }

  get node (): PeerGridNode { return this.#required(this.#node) }
  get store (): Store { return this.#required(this.#store) }
  get scheduler (): Scheduler { return this.#required(this.#scheduler) }
  get peerId (): string { return this.node.peerId.toString() }
  get multiaddrs (): string[] { return multiaddrStrings(this.node) }

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
      ...(this.#init.listen != null ? { listen: this.#init.listen } : {}),
      bootstrap: this.#init.bootstrap ?? [],
      pubsub: true,
      discovery: true,
      topicValidators: TOPIC_VALIDATORS,
      logPrefix: 'peergrid:coordinator'
    })
    node.services.pubsub.subscribe(TOPICS.jobs)
    const jobs = new JobService(store, scheduler)
    const work = new WorkService(scheduler)
    const peerOf = (connection: { remotePeer: { toString: () => string }, remoteAddr: { toString: () => string } }): string => {
      const peer = connection.remotePeer.toString()
      store.touchPeer(peer, Date.now(), connection.remoteAddr.toString())
      return peer
    }
    await handle(node, PROTOCOLS.jobs, async (frames, connection) => { await jobs.serve(frames, peerOf(connection)) },
      { maxFrameSize: MAX_FRAME_BYTES.jobRequest, maxWriteFrameSize: MAX_FRAME_BYTES.jobResponse, maxInboundStreams: MAX_JOB_STREAMS_PER_CONNECTION })
    await handle(node, PROTOCOLS.work, async (frames, connection) => { await work.serve(frames, peerOf(connection)) },
      { maxFrameSize: MAX_FRAME_BYTES.workRequest, maxInboundStreams: MAX_WORK_STREAMS_PER_CONNECTION })
    this.#announcer = new Announcer(node, scheduler, this.#init.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS)
    this.#announcer.start()
    this.#expiryTimer = setInterval(() => {
      try {
        scheduler.expire()
      } catch (err) {
        log.error('expiring leases failed: %e', err)
      }
    }, this.#init.expiryIntervalMs ?? DEFAULT_EXPIRY_INTERVAL_MS)
    this.#writeAddresses()
    log('coordinator %s listening on %s', this.peerId, this.multiaddrs.join(', '))
  }

  #writeAddresses (): void {
    const path = join(this.#init.dataDir, ADDRESSES_FILE)
    writeFileSync(path + '.tmp', JSON.stringify({ peerId: this.peerId, addresses: this.multiaddrs, pid: process.pid }, null, 2) + '\n')
    renameSync(path + '.tmp', path)
  }

  async stop (): Promise<void> {
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
