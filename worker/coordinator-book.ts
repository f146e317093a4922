/**
 * What the worker knows about each coordinator it serves, for `worker status`: units run,
 * CPU given, and the standing the coordinator reports (credit, reputation) once it does.
 */
import type { CoordinatorReport, CoordinatorStanding } from './status.ts'

export interface CoordinatorStats {
  running: number
  done: number
  failed: number
  cpuMs: number
  standing: CoordinatorStanding | undefined
}

type Live = Pick<CoordinatorReport, 'weight' | 'connected' | 'unitsQueued'>

export class CoordinatorBook {
  readonly #stats = new Map<string, CoordinatorStats>()

  /** The stats of `coordinator`, created empty on first use. */
  get (coordinator: string): CoordinatorStats {
    let stats = this.#stats.get(coordinator)
    if (stats === undefined) {
      stats = { running: 0, done: 0, failed: 0, cpuMs: 0, standing: undefined }
      this.#stats.set(coordinator, stats)
    }
    return stats
  }

  /** Records a coordinator's report of our standing; fields it leaves out keep their last value. */
  stand (coordinator: string, standing: CoordinatorStanding): void {
    const stats = this.get(coordinator)
    const merged: { -readonly [K in keyof CoordinatorStanding]: CoordinatorStanding[K] } = { ...stats.standing }
    if (standing.credit !== undefined) merged.credit = standing.credit
    if (standing.score !== undefined) merged.score = standing.score
    if (standing.state !== undefined) merged.state = standing.state
    stats.standing = merged
  }

  report (live: (coordinator: string) => Live): CoordinatorReport[] {
    return [...this.#stats].map(([peerId, s]) => {
      const reputation = s.standing?.score !== undefined || s.standing?.state !== undefined
        ? { score: s.standing.score ?? null, state: s.standing.state ?? null }
        : null
      return {
        peerId,
        ...live(peerId),
        unitsRunning: s.running,
        unitsDone: s.done,
        unitsFailed: s.failed,
        cpuMs: Math.round(s.cpuMs),
        credit: s.standing?.credit ?? null,
        reputation
      }
    })
  }
}
