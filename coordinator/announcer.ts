/**
 * Announces open jobs on gossipsub: at once when a job arrives, then on a heartbeat while it
 * has waiting units. Announcements are small and carry no payloads; workers pull.
 */
import { logger } from '@libp2p/logger'
import { encodeJobAnnouncement } from '../protocols/announce.ts'
import { TOPICS } from '../protocols/ids.ts'
import type { PeerGridNode } from '../protocols/node.ts'
import type { Scheduler } from './scheduler.ts'

const log = logger('peergrid:coordinator:announcer')

export class Announcer {
  readonly #node: PeerGridNode
  readonly #scheduler: Scheduler
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined
  #seq = 0
  readonly #onAdded = (): void => { void this.announce() }

  constructor (node: PeerGridNode, scheduler: Scheduler, intervalMs: number) {
    this.#node = node
    this.#scheduler = scheduler
    this.#intervalMs = intervalMs
  }

  start (): void {
    this.#scheduler.on('job:added', this.#onAdded)
    this.#timer = setInterval(() => { void this.announce() }, this.#intervalMs)
    void this.announce()
  }

  stop (): void {
    this.#scheduler.off('job:added', this.#onAdded)
    clearInterval(this.#timer)
  }

  /** Publishes one announcement per job that has waiting units. */
  async announce (): Promise<number> {
    const jobs = this.#scheduler.openJobs()
    const addrs = this.#node.getMultiaddrs().map((a) => a.bytes)
    for (const job of jobs) {
      const data = encodeJobAnnouncement({
        jobId: job.jobId,
        kind: job.kind,
        unitsWaiting: job.waiting,
        coordinator: this.#node.peerId.toString(),
        addrs,
        timestampMs: Date.now(),
        seq: ++this.#seq
      })
      try {
        await this.#node.services.pubsub.publish(TOPICS.jobs, data)
      } catch (err) {
        log('announcing %s failed: %s', job.jobId, (err as Error).message)
      }
    }
    return jobs.length
  }
}
