import { describe, it, expect } from '@jest/globals'
import { countPrimes, isqrt, MAX_TO, MAX_UNIT_SPAN, oddPrimesUpTo, primes, splitRange } from '../../jobs/primes.ts'

/** Plain sieve of Eratosthenes over every integer below n; isPrime[k] === 1 for prime k. */
function referenceSieve (n: number): Uint8Array {
  const isPrime = new Uint8Array(n).fill(1)
  isPrime[0] = 0
  if (n > 1) isPrime[1] = 0
  for (let p = 2; p * p < n; p++) {
    if (isPrime[p] === 0) continue
    for (let m = p * p; m < n; m += p) isPrime[m] = 0
  }
  return isPrime
}

const SIEVE_LIMIT = 10_000_000
const sieve = referenceSieve(SIEVE_LIMIT)

function referenceCount (from: number, to: number): number {
  let count = 0
  for (let k = from; k < to; k++) count += sieve[k] as number
  return count
}

function modPow (base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  base %= modulus
  while (exponent > 0n) {
    if ((exponent & 1n) === 1n) result = (result * base) % modulus
    base = (base * base) % modulus
    exponent >>= 1n
  }
  return result
}

/** Miller–Rabin with the first twelve prime bases: exact for every n < 3.3 * 10^24. */
function isPrimeMillerRabin (value: number): boolean {
  const n = BigInt(value)
  if (n < 2n) return false
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]
  for (const p of bases) if (n % p === 0n) return n === p
  let d = n - 1n
  let s = 0
  while ((d & 1n) === 0n) { d >>= 1n; s++ }
  for (const a of bases) {
    let x = modPow(a, d, n)
    if (x === 1n || x === n - 1n) continue
    let witness = true
    for (let r = 1; r < s; r++) {
      x = (x * x) % n
      if (x === n - 1n) { witness = false; break }
    }
    if (witness) return false
  }
  return true
}

function millerRabinCount (from: number, to: number): number {
  let count = 0
  for (let k = from; k < to; k++) if (isPrimeMillerRabin(k)) count++
  return count
}

describe('countPrimes', () => {
  it('matches the published pi(10^6) and pi(10^7) and the reference sieve', () => {
    expect(countPrimes(0, 1e6)).toBe(78_498)
    expect(countPrimes(0, 1e6)).toBe(referenceCount(0, 1e6))
    expect(countPrimes(0, 1e7)).toBe(664_579)
    expect(countPrimes(0, 1e7)).toBe(referenceCount(0, 1e7))
  })

  it.each([
    [0, 0], [5, 5], [0, 1], [0, 2], [0, 3], [1, 2], [2, 3], [2, 4], [3, 4], [4, 5], [3, 3],
    [0, 10], [0, 100], [1, 100], [2, 100], [3, 100], [90, 97], [90, 98], [97, 98],
    [999_000, 1_001_000], [999_983, 999_984], [1_000_000, 1_000_003], [1_000_001, 1_000_002],
    // Ranges crossing segment boundaries (a segment holds 2^17 odd numbers) at odd and even starts.
    [262_000, 262_300], [262_143, 262_145], [131_071, 393_217], [123_457, 2_345_679], [8_000_000, 9_999_991]
  ])('counts [%d, %d) like the reference sieve', (from, to) => {
    expect(countPrimes(from, to)).toBe(referenceCount(from, to))
  })

  it('agrees with Miller–Rabin on windows near 10^12 and 10^13', () => {
    for (const [from, to] of [[1e12 - 2000, 1e12 + 2000], [MAX_TO - 3000, MAX_TO]] as const) {
      expect(countPrimes(from, to)).toBe(millerRabinCount(from, to))
    }
  })

  it('counts the square of the largest base prime as composite', () => {
    // p^2 has no factor below p, so only the largest sieving prime can strike it.
    const small = referenceSieve(isqrt(MAX_TO) + 1)
    let p = isqrt(MAX_TO)
    while (small[p] === 0) p--
    const square = p * p
    expect(isPrimeMillerRabin(square)).toBe(false)
    expect(countPrimes(square - 200, square + 200)).toBe(millerRabinCount(square - 200, square + 200))
    expect(countPrimes(square, square + 1)).toBe(0)
  })

  it('is independent of where a range is cut', () => {
    const cuts = [0, 7, 262_144, 262_145, 500_000, 1_234_567, 3_000_000]
    let sum = 0
    for (let i = 1; i < cuts.length; i++) sum += countPrimes(cuts[i - 1]!, cuts[i]!)
    expect(sum).toBe(referenceCount(0, 3_000_000))
  })
})

describe('helpers', () => {
  it.each([0, 1, 2, 3, 4, 15, 16, 17, 2 ** 52 - 1, 2 ** 52, 9_999_999_999_999, MAX_TO, 2 ** 53 - 1])('isqrt(%d) is the exact integer root', (n) => {
    const r = BigInt(isqrt(n))
    expect(r * r <= BigInt(n)).toBe(true)
    expect((r + 1n) * (r + 1n) > BigInt(n)).toBe(true)
  })

  it('oddPrimesUpTo lists the odd primes of the reference sieve', () => {
    const expected: number[] = []
    for (let k = 3; k <= 10_007; k += 2) if (sieve[k] === 1) expected.push(k)
    expect([...oddPrimesUpTo(10_007)]).toEqual(expected)
    expect([...oddPrimesUpTo(2)]).toEqual([])
    expect([...oddPrimesUpTo(3)]).toEqual([3])
  })

  it.each([
    [0, 10, 3], [0, 10, 10], [5, 6, 1], [0, 1e13, 7], [999, 1000, 4], [3, 3, 1]
  ])('splitRange(%d, %d, %d) tiles the range in near-equal parts', (from, to, units) => {
    const ranges = splitRange(from, to, units)
    expect(ranges.length).toBe(Math.max(1, Math.min(units, to - from)))
    expect(ranges[0]!.from).toBe(from)
    expect(ranges.at(-1)!.to).toBe(to)
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.from).toBe(ranges[i - 1]!.to)
    const widths = ranges.map((r) => r.to - r.from)
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1)
  })
})

describe('primes kind', () => {
  it('split, run and merge over [0, 10^7) in 7 units gives pi(10^7)', () => {
    const params = { from: 0, to: 1e7 }
    expect(primes.check(params, 7)).toEqual([])
    const units = primes.split(params, 7)
    expect(units).toHaveLength(7)
    const outputs = units.map((unit) => {
      const parsed = primes.parseUnit(JSON.parse(JSON.stringify(unit)))
      return primes.decodeOutput(primes.encodeOutput(primes.run(parsed)), parsed)
    })
    expect(primes.merge(params, outputs)).toEqual({ value: { count: 664_579 } })
  })

  it('encodes outputs canonically', () => {
    expect(new TextDecoder().decode(primes.encodeOutput({ count: 25 }))).toBe('{"count":25}')
  })

  it.each([
    [{ from: 0, to: 100 }, 1, []],
    [{ from: 0, to: 100 }, 100, []],
    [{ from: 7, to: 7 }, 1, []],
    [{ from: 10, to: 5 }, 1, ['params.to: must be at least params.from (got from=10, to=5)']],
    [{ from: 0, to: 1e13 + 1 }, 1, ['params.to: must be at most 10000000000000 (got 10000000000001)']],
    [{ from: 0, to: 100 }, 101, ['units: must be at most 100 for these params (got 101)']],
    [{ from: 0, to: 100 }, 0, ['units: must be an integer of at least 1 (got 0)']],
    [{ from: 0, to: 1e13 }, 1, [`units: must be at least ${Math.ceil(1e13 / MAX_UNIT_SPAN)} so that no unit spans more than ${MAX_UNIT_SPAN} numbers (got 1)`]]
  ])('check(%j, %d) reports %j', (params, units, expected) => {
    expect(primes.check(params, units)).toEqual(expected)
  })

  it.each([
    [null, /^unit: must be an object/],
    [[0, 10], /^unit: must be an object/],
    [{ from: 0 }, /^unit\.to: missing/],
    [{ from: 0, to: 10, list: true }, /^unit\.list: unexpected field/],
    [{ from: 0.5, to: 10 }, /^unit\.from: must be an integer/],
    [{ from: '0', to: 10 }, /^unit\.from: must be an integer/],
    [{ from: -1, to: 10 }, /^unit\.from: must be in/],
    [{ from: 10, to: 9 }, /^unit\.to: must be in/],
    [{ from: 0, to: 1e13 + 1 }, /^unit\.to: must be in/],
    [{ from: 0, to: MAX_UNIT_SPAN + 1 }, /^unit\.to: the unit spans/]
  ])('parseUnit rejects %j', (payload, message) => {
    expect(() => primes.parseUnit(payload)).toThrow(message)
  })

  it.each([
    ['{"count":4}', { from: 0, to: 10 }, { count: 4 }],
    ['{"count":0}', { from: 5, to: 5 }, { count: 0 }]
  ])('decodeOutput accepts %s', (text, unit, expected) => {
    expect(primes.decodeOutput(new TextEncoder().encode(text), unit)).toEqual(expected)
  })

  it.each([
    ['{"count":7}', /must be in \[0, 6\]/],
    ['{"count":-1}', /must be in/],
    ['{"count":1.5}', /must be an integer/],
    ['{"count":"4"}', /must be an integer/],
    ['{ "count":4}', /canonical/],
    ['{"count":4,"extra":1}', /unexpected field/],
    ['[4]', /must be a JSON object/],
    ['{"count":', /not valid JSON/]
  ])('decodeOutput rejects %s for a unit of width 10', (text, message) => {
    expect(() => primes.decodeOutput(new TextEncoder().encode(text), { from: 0, to: 10 })).toThrow(message)
  })
})
