/**
 * `primes`: counts the primes in [from, to) with a segmented sieve of Eratosthenes.
 *
 * Only odd numbers are sieved (one byte each), in segments small enough to stay in cache, so
 * memory is constant whatever the range and a unit of a million numbers near 10^13 costs
 * about as much as one near zero. The odd primes up to sqrt(10^13) are sieved once per
 * thread and kept.
 */
import type { JobKind, JobResult } from './kind.ts'
import { creditFor, REFERENCE_RATES } from './credit.ts'
import { checkUnitCount, decodeJsonObject, encodeCanonicalJson, paramIssue, readInteger, readRecord } from './codec.ts'

export interface PrimesParams {
  from: number
  to: number
}

/** Numbers in [from, to). */
export interface PrimesUnit {
  from: number
  to: number
}

export interface PrimesOutput {
  count: number
}

/** Ranges stop at 10^13: its square root bounds the cached base primes (~230,000 of them). */
export const MAX_TO = 1e13
/** A unit covers at most this many numbers (tens of seconds on one thread), so no single lease is unbounded. */
export const MAX_UNIT_SPAN = 2 ** 33
/** One byte per odd number: 256 Ki numbers per segment, sized to sit in a core's L2 cache. */
const SEGMENT_BYTES = 1 << 17

/** floor(sqrt(n)) exactly, for 0 <= n < 2^53 (Math.sqrt alone can be off by one there). */
export function isqrt (n: number): number {
  let r = Math.floor(Math.sqrt(n))
  while (r * r > n) r--
  while ((r + 1) * (r + 1) <= n) r++
  return r
}

/** The odd primes <= limit, by a plain odd-only sieve. */
export function oddPrimesUpTo (limit: number): Uint32Array {
  if (limit < 3) return new Uint32Array(0)
  // composite[i] stands for 2i + 1.
  const size = Math.floor((limit - 1) / 2) + 1
  const composite = new Uint8Array(size)
  for (let i = 1; ; i++) {
    const p = 2 * i + 1
    if (p * p > limit) break
    if (composite[i] === 1) continue
    for (let j = (p * p - 1) / 2; j < size; j += p) composite[j] = 1
  }
  const primes: number[] = []
  for (let i = 1; i < size; i++) if (composite[i] === 0) primes.push(2 * i + 1)
  return Uint32Array.from(primes)
}

let basePrimes: Uint32Array = new Uint32Array(0)
let baseLimit = 0

/** Cached odd primes covering at least `limit`; grows geometrically so rising units rebuild it rarely. */
function basePrimesUpTo (limit: number): Uint32Array {
  if (limit > baseLimit) {
    baseLimit = Math.max(limit, Math.min(2 * baseLimit, isqrt(MAX_TO)))
    basePrimes = oddPrimesUpTo(baseLimit)
  }
  return basePrimes
}

/** How many entries of the ascending `values` are <= `limit`. */
function countAtMost (values: Uint32Array, limit: number): number {
  let lo = 0
  let hi = values.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((values[mid] as number) <= limit) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The number of primes p with from <= p < to, for integers 0 <= from, to <= 2^53. */
export function countPrimes (from: number, to: number): number {
  let count = from <= 2 && to > 2 ? 1 : 0
  // Sieve the odd numbers lo, lo + 2, ... below `to`; index i stands for lo + 2i.
  const lo = Math.max(3, from % 2 === 0 ? from + 1 : from)
  if (lo >= to) return count
  const total = Math.floor((to - 1 - lo) / 2) + 1
  const root = isqrt(to - 1)
  const primes = basePrimesUpTo(root)
  const used = countAtMost(primes, root)
  // Index of each prime's next multiple still to strike. Starting at p^2 keeps the base primes
  // themselves unmarked; beyond that, the first odd multiple at or after lo.
  const next = new Float64Array(used)
  for (let k = 0; k < used; k++) {
    const p = primes[k] as number
    let start = p * p
    if (start < lo) {
      start = Math.ceil(lo / p) * p
      if (start % 2 === 0) start += p
    }
    next[k] = (start - lo) / 2
  }
  const segment = new Uint8Array(SEGMENT_BYTES)
  for (let base = 0; base < total; base += SEGMENT_BYTES) {
    const length = Math.min(SEGMENT_BYTES, total - base)
    segment.fill(0, 0, length)
    for (let k = 0; k < used; k++) {
      const offset = (next[k] as number) - base
      if (offset >= length) continue
      const p = primes[k] as number
      // offset < length < 2^31, so the hot loop runs on small integers.
      let j = offset | 0
      for (; j < length; j += p) segment[j] = 1
      next[k] = base + j
    }
    let marked = 0
    for (let j = 0; j < length; j++) marked += segment[j] as number
    count += length - marked
  }
  return count
}

/** Cuts [from, to) into `units` contiguous ranges whose sizes differ by at most one. */
export function splitRange (from: number, to: number, units: number): Array<{ from: number, to: number }> {
  const parts = Math.max(1, Math.min(units, to - from))
  const width = to - from
  const small = Math.floor(width / parts)
  const larger = width - small * parts
  const ranges: Array<{ from: number, to: number }> = []
  let start = from
  for (let i = 0; i < parts; i++) {
    const end = start + small + (i < larger ? 1 : 0)
    ranges.push({ from: start, to: end })
    start = end
  }
  return ranges
}

export const primes: JobKind<PrimesParams, PrimesUnit, PrimesOutput> = {
  name: 'primes',
  description: 'Counts the primes in [from, to) with a segmented sieve (to <= 10^13); pi(10^9) = 50,847,534.',
  paramsSchema: {
    type: 'object',
    required: ['from', 'to'],
    properties: {
      from: { type: 'integer', minimum: 0, maximum: MAX_TO, description: 'First number of the range (inclusive).' },
      to: { type: 'integer', minimum: 0, maximum: MAX_TO, description: 'End of the range (exclusive).' }
    },
    additionalProperties: false
  },

  check (params, units) {
    const { from, to } = params
    const issues: string[] = []
    if (to > MAX_TO) issues.push(paramIssue('to', `must be at most ${MAX_TO}`, `got ${to}`))
    if (from > to) issues.push(paramIssue('to', 'must be at least params.from', `got from=${from}, to=${to}`))
    if (issues.length > 0) return issues
    issues.push(...checkUnitCount(units, Math.max(1, to - from)))
    const needed = Math.ceil((to - from) / MAX_UNIT_SPAN)
    if (issues.length === 0 && units < needed) {
      issues.push(`units: must be at least ${needed} so that no unit spans more than ${MAX_UNIT_SPAN} numbers (got ${units})`)
    }
    return issues
  },

  split (params, units) {
    return splitRange(params.from, params.to, units)
  },

  parseUnit (payload) {
    const record = readRecord(payload, 'unit', ['from', 'to'])
    const from = readInteger(record, 'from', 'unit', 0, MAX_TO)
    const to = readInteger(record, 'to', 'unit', from, MAX_TO)
    if (to - from > MAX_UNIT_SPAN) throw new Error(`unit.to: the unit spans ${to - from} numbers, more than ${MAX_UNIT_SPAN}`)
    return { from, to }
  },

  run (unit) {
    return { count: countPrimes(unit.from, unit.to) }
  },

  encodeOutput (output) {
    return encodeCanonicalJson({ count: output.count })
  },

  decodeOutput (bytes, unit) {
    return decodeJsonObject(bytes, (record) => {
      readRecord(record, 'output', ['count'])
      // Fewer than one number in two is prime (plus the lone even prime).
      const most = Math.floor((unit.to - unit.from) / 2) + 1
      return { count: readInteger(record, 'count', 'output', 0, Math.min(most, unit.to - unit.from)) }
    })
  },

  credit (unit) {
    return creditFor(unit.to - unit.from, REFERENCE_RATES.primesNumbers)
  },

  merge (_params, outputs): JobResult {
    let count = 0
    for (const output of outputs) count += output.count
    return { value: { count } }
  }
}
