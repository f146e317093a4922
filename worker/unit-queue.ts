/**
 * Leases received and not yet started, one FIFO per coordinator so that the fair-share
 * picker chooses the coordinator and the queue gives its oldest lease. Also decides which
 * queued leases a paused worker should hand back: those that could no longer run to the
 * end before their deadline, so the coordinator can re-issue them at once instead of
 * waiting for them to expire.
 */

export interface Queued {
  readonly coordinator: string
  /** Local time the lease arrived, ms. */
  readonly receivedAt: number
  /** The lease's deadline relative to its issue, ms (the coordinator's clock is not trusted). */
  readonly timeoutMs: number
}

/** Slack for delivering the result and for the time the lease spent travelling to us. */
export const HAND_BACK_MARGIN_MS = 1_000

/**
 * Whether a lease that cannot start before `startAt` should be handed back rather than
 * kept: it would not finish before its deadline given units take about `unitMs`. The need
 * is capped at half the lease's time so that a poor estimate cannot make the worker hand
 * back every lease it receives.
 */
export function shouldHandBack (item: Queued, startAt: number, unitMs: number): boolean {
  const deadline = item.receivedAt + item.timeoutMs
  const need = Math.min(2 * unitMs + HAND_BACK_MARGIN_MS, item.timeoutMs / 2)
  return deadline - startAt < need
}

export class UnitQueue<T extends Queued> {
  readonly #byCoordinator = new Map<string, T[]>()
  #size = 0

  get size (): number { return this.#size }

  sizeOf (coordinator: string): number {
    return this.#byCoordinator.get(coordinator)?.length ?? 0
  }

  /** Coordinators that have leases queued. */
  holders (): string[] {
    return [...this.#byCoordinator.keys()]
  }

  push (item: T): void {
    const list = this.#byCoordinator.get(item.coordinator)
    if (list == null) this.#byCoordinator.set(item.coordinator, [item])
    else list.push(item)
    this.#size++
  }

  /** The oldest lease of `coordinator`. */
  shift (coordinator: string): T | undefined {
    const list = this.#byCoordinator.get(coordinator)
    const item = list?.shift()
    if (item === undefined) return undefined
    this.#size--
    if (list!.length === 0) this.#byCoordinator.delete(coordinator)
    return item
  }

  /** Removes and returns the leases for which `test` holds. */
  take (test: (item: T) => boolean): T[] {
    const taken: T[] = []
    for (const [coordinator, list] of this.#byCoordinator) {
      const kept: T[] = []
      for (const item of list) (test(item) ? taken : kept).push(item)
      if (kept.length === list.length) continue
      if (kept.length === 0) this.#byCoordinator.delete(coordinator)
      else this.#byCoordinator.set(coordinator, kept)
    }
    this.#size -= taken.length
    return taken
  }

  drain (): T[] {
    return this.take(() => true)
  }
}
