/**
 * Results waiting to reach one coordinator. One report is in flight at a time, so results
 * that finish meanwhile travel together in the next frame; a failed delivery keeps them
 * for the next attempt (a restarted coordinator still honours its leases).
 */
import { logger } from '@libp2p/logger'
import { MAX_UNITS_PER_FRAME } from '../protocols/constants.ts'
import type { Status } from '../protocols/common.ts'
import type { UnitResult } from '../protocols/work.ts'
import { linkRetryMs, type CoordinatorLink } from './coordinator-link.ts'
import { REPORT_BATCH, REPORT_DELAY_MS } from './constants.ts'

const log = logger('peergrid:worker:reports')

const RETRY_LATER: ReadonlySet<Status> = new Set(['BUSY', 'INTERNAL'])

export class ReportQueue {
  readonly #link: CoordinatorLink
  #waiting: UnitResult[] = []
  #inFlight: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  delivered = 0

  constructor (link: CoordinatorLink) {
    this.#link = link
  }

  get size (): number { return this.#waiting.length }

  add (result: UnitResult): void {
    this.#waiting.push(result)
    if (this.#waiting.length >= REPORT_BATCH) this.flush()
    else this.#timer ??= setTimeout(() => { this.#timer = undefined; this.flush() }, REPORT_DELAY_MS)
  }

  flush (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#inFlight != null || this.#waiting.length === 0) return
    const batch = this.#waiting.splice(0, MAX_UNITS_PER_FRAME)
    this.#inFlight = this.#send(batch).finally(() => {
      this.#inFlight = undefined
      if (this.#waiting.length > 0 && this.#link.retryAt <= Date.now()) this.flush()
    })
  }

  async #send (batch: UnitResult[]): Promise<void> {
    try {
      const response = await this.#link.request({ type: 'report', results: batch })
      // Not taken, but worth sending again: the coordinator is throttling us or failed inside.
      if (RETRY_LATER.has(response.status)) throw new Error(`${response.status}: ${response.message}`)
      this.delivered += batch.length
      this.#link.failures = 0
      if (response.status !== 'OK') log('report to %s refused: %s %s', this.#link.id, response.status, response.message)
      else if (response.body.type === 'reportAck') {
        for (const ack of response.body.acks) if (ack.status !== 'OK') log('result for lease %s: %s', ack.leaseId, ack.status)
      }
    } catch (err) {
      this.#waiting.unshift(...batch)
      this.#link.failures++
      this.#link.retryAt = Date.now() + linkRetryMs(this.#link.failures)
      log('report to %s failed, will retry: %s', this.#link.id, (err as Error).message)
    }
  }

  /** Sends everything waiting, until done or `signal` fires. */
  async drain (signal: AbortSignal): Promise<void> {
    while (!signal.aborted && (this.#waiting.length > 0 || this.#inFlight != null)) {
      this.flush()
      const pending = this.#inFlight
      if (pending == null) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      } else {
        await Promise.race([pending, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))])
      }
      if (this.#waiting.length > 0) this.#link.retryAt = 0
    }
  }
}
