/**
 * Exponential backoff with ±20% jitter, so that peers that failed together do not retry in
 * step: `minMs` after the first failure, doubling up to `maxMs`.
 */
export function backoffMs (failures: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1))
  return Math.round(base * (0.8 + 0.4 * random()))
}
