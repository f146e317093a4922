/**
 * A seeded pseudo-random stream (mulberry32) for schedules that must replay exactly: which
 * process dies when, in chaos tests and soak runs. Not for anything that needs real entropy.
 */
export type Random = () => number

export function seededRandom (seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** A number in [min, max). */
export function between (random: Random, min: number, max: number): number {
  return min + random() * (max - min)
}

/** One element of a non-empty list. */
export function pick<T> (random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!
}
