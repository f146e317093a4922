import { describe, expect, it } from '@jest/globals'
import { creditFor, formatCredit, REFERENCE_RATES } from '../../jobs/credit.ts'
import { hashSearch } from '../../jobs/hash-search.ts'
import { estimateWork, iterationsAt, mandelbrot, type MandelbrotUnit } from '../../jobs/mandelbrot.ts'
import { montecarloPi } from '../../jobs/montecarlo-pi.ts'
import { primes } from '../../jobs/primes.ts'
import { kinds } from '../../jobs/registry.ts'

/** The iterations a band really costs, pixel by pixel: what estimateWork estimates. */
function exactWork (unit: MandelbrotUnit): number {
  const pixel = unit.scale / unit.width
  let work = 0
  for (let y = unit.y0; y < unit.y1; y++) {
    for (let x = 0; x < unit.width; x++) {
      work += 1 + iterationsAt(unit.centerX + (x + 0.5 - unit.width / 2) * pixel, unit.centerY - (y + 0.5 - unit.height / 2) * pixel, unit.maxIterations)
    }
  }
  return work
}

describe('creditFor', () => {
  it.each([
    [6e8, 6e8, 1],
    [3e8, 6e8, 0.5],
    [0, 6e8, 0],
    [-5, 6e8, 0]
  ])('%d operations at %d/s earn %d', (operations, rate, credit) => {
    expect(creditFor(operations, rate)).toBe(credit)
  })
})

describe('formatCredit', () => {
  it.each([
    [0, '0.000'],
    [0.0123, '0.012'],
    [2.5, '2.50'],
    [999.994, '999.99'],
    [123_456.7, '123,457']
  ])('%d reads %s', (credit, text) => {
    expect(formatCredit(credit)).toBe(text)
  })
})

describe('credit of each kind', () => {
  it('primes: numbers sieved, wherever the range lies', () => {
    const near = primes.credit({ from: 0, to: 6e8 }, { count: 31_324_703 })
    const far = primes.credit({ from: 1e12, to: 1e12 + 6e8 }, { count: 1 })
    expect(near).toBe(1)
    expect(far).toBe(1)
    expect(primes.credit({ from: 5, to: 5 }, { count: 0 })).toBe(0)
  })

  it('montecarlo-pi: points drawn, whatever the outcome', () => {
    expect(montecarloPi.credit({ index: 0, samples: 1.2e8, seed: 1 }, { inside: 0, samples: 1.2e8 })).toBe(1)
    expect(montecarloPi.credit({ index: 3, samples: 6e7, seed: 9 }, { inside: 6e7, samples: 6e7 })).toBe(0.5)
  })

  it.each([
    ['no solution: every nonce of the range', null, 900_000],
    ['a solution stops the search: the nonces up to it', 1000 + 449_999, 450_000],
    ['a solution at the first nonce: one hash', 1000, 1]
  ])('hash-search, %s', (_name, nonce, hashes) => {
    const unit = { data: 'x', difficultyBits: 20, start: 1000, end: 1000 + 900_000 }
    expect(hashSearch.credit(unit, { nonce })).toBeCloseTo(hashes / REFERENCE_RATES.sha256Hashes, 12)
  })

  const views = [
    ['the whole set, deep', { width: 320, height: 240, centerX: -0.5, centerY: 0, scale: 3.5, maxIterations: 2000 }, 2],
    ['the whole set, shallow', { width: 320, height: 240, centerX: -0.5, centerY: 0, scale: 3.5, maxIterations: 200 }, 4],
    ['seahorse valley', { width: 320, height: 240, centerX: -0.7436, centerY: 0.1318, scale: 0.004, maxIterations: 800 }, 6],
    ['a deep zoom', { width: 300, height: 200, centerX: -0.743643887, centerY: 0.131825904, scale: 0.00001, maxIterations: 3000 }, 4],
    ['the period-2 bulb edge', { width: 200, height: 200, centerX: -1.25, centerY: 0.02, scale: 0.2, maxIterations: 3000 }, 4]
  ] as const

  it.each(views)('mandelbrot, %s: the estimate is within 20%% of the iterations really done', (_name, params, units) => {
    for (const unit of mandelbrot.split(params, units)) {
      const ratio = estimateWork(unit, mandelbrot.run(unit)) / exactWork(unit)
      expect(ratio).toBeGreaterThan(0.8)
      expect(ratio).toBeLessThan(1.2)
    }
  })

  it('mandelbrot: a band inside the main cardioid costs one step per pixel, and its output says so', () => {
    const unit = { width: 40, height: 40, centerX: -0.1, centerY: 0, scale: 0.05, maxIterations: 10_000, y0: 0, y1: 40 }
    const output = mandelbrot.run(unit)
    expect(output.every((byte) => byte === 0)).toBe(true)
    expect(estimateWork(unit, output)).toBe(1600)
  })

  it('mandelbrot: interior pixels outside the main bulbs count maxIterations each, from the output alone', () => {
    // A minibrot far from the main bulbs: its interior pixels each ran the full count.
    const unit = { width: 64, height: 64, centerX: -1.7548776662, centerY: 0, scale: 0.0005, maxIterations: 4000, y0: 0, y1: 64 }
    const output = mandelbrot.run(unit)
    const inside = Array.from({ length: 64 * 64 }, (_, i) => output[3 * i] === 0 && output[3 * i + 1] === 0 && output[3 * i + 2] === 0).filter(Boolean).length
    expect(inside).toBeGreaterThan(100)
    expect(estimateWork(unit, output)).toBeGreaterThanOrEqual(inside * 4000)
  })

  it.each([...kinds.values()].map((kind) => [kind.name, kind] as const))('%s: credit is positive and finite for a real unit', (_name, kind) => {
    const params = {
      primes: { from: 1_000_000, to: 2_000_000 },
      'montecarlo-pi': { samples: 100_000, seed: 3 },
      mandelbrot: { width: 64, height: 48, centerX: -0.5, centerY: 0, scale: 3, maxIterations: 100 },
      'hash-search': { data: 'credit', difficultyBits: 8, nonces: 5000 }
    }[kind.name as 'primes']
    expect(params).toBeDefined()
    const unit = kind.split(params, 2)[0]
    const credit = kind.credit(unit, kind.run(unit))
    expect(Number.isFinite(credit) && credit > 0).toBe(true)
  })
})
