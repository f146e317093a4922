import { describe, it, expect } from '@jest/globals'
import { countInside, MAX_UNIT_SAMPLES, montecarloPi, seedState } from '../../jobs/montecarlo-pi.ts'

/**
 * First sixteen outputs of the reference C implementation of xoshiro128** 1.1
 * (prng.di.unimi.it/xoshiro128starstar.c) from two starting states.
 */
const REFERENCE_STREAMS: Array<{ state: number[], outputs: number[] }> = [
  {
    state: [1, 2, 3, 4],
    outputs: [
      0x00002d00, 0x00000000, 0x005a7080, 0x04389d80, 0x79199d9b, 0x61963b24, 0x4cb9b57a, 0xde9d7431,
      0xde458f35, 0xfdce1a54, 0x1422dcbd, 0x7fb4d43b, 0xd5334125, 0x7792b516, 0xe6af25fc, 0x3bb2f7d2
    ]
  },
  {
    state: [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef],
    outputs: [
      0x92dcf72a, 0x00544cb2, 0x046d0ff3, 0x7192e3d9, 0xba2b8389, 0x12be2f0f, 0x4b522e7e, 0x5b4901af,
      0x2959f124, 0x4df096e0, 0x3d04eccb, 0xfc7ccb7c, 0x1ef87ebd, 0x2993a222, 0xdeb577aa, 0x1f8d314e
    ]
  }
]

/** Inside count of the documented rule, in exact BigInt arithmetic, from raw generator outputs. */
function referenceInside (outputs: number[], samples: number): number {
  let inside = 0
  for (let k = 0; k < samples; k++) {
    const a = BigInt(outputs[2 * k]!) >> 6n
    const b = BigInt(outputs[2 * k + 1]!) >> 6n
    if (a * a + b * b < 1n << 52n) inside++
  }
  return inside
}

function runJob (params: { samples: number, seed: number }, units: number): { inside: number, samples: number, estimate: number } {
  const outputs = montecarloPi.split(params, units).map((unit) => {
    const parsed = montecarloPi.parseUnit(JSON.parse(JSON.stringify(unit)))
    return montecarloPi.decodeOutput(montecarloPi.encodeOutput(montecarloPi.run(parsed)), parsed)
  })
  return montecarloPi.merge(params, outputs).value as { inside: number, samples: number, estimate: number }
}

describe('countInside', () => {
  it.each(REFERENCE_STREAMS.map((stream, i) => [i, stream] as const))('follows reference stream %d of xoshiro128**', (_i, { state, outputs }) => {
    const words = Uint32Array.from(state)
    for (let samples = 0; samples <= outputs.length / 2; samples++) {
      expect(countInside(words, samples)).toBe(referenceInside(outputs, samples))
    }
    // Some points of these streams fall outside, so the comparison discriminates.
    expect(referenceInside(outputs, 8)).toBeLessThan(8)
    expect(Array.from(words)).toEqual(state)
  })
})

describe('seedState', () => {
  it('is deterministic and gives every (seed, index) its own state', () => {
    const seen = new Set<string>()
    for (const seed of [0, 1, 2, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      for (let index = 0; index < 200; index++) {
        const state = seedState(seed, index)
        expect(Array.from(seedState(seed, index))).toEqual(Array.from(state))
        expect(state.some((word) => word !== 0)).toBe(true)
        seen.add(state.join(','))
      }
    }
    expect(seen.size).toBe(6 * 200)
  })

  it('spreads one changed input bit over all four words', () => {
    const base = seedState(12345, 0)
    for (const [seed, index] of [[12344, 0], [12345, 1], [12345 + 2 ** 40, 0], [12345, 2 ** 33]] as const) {
      const other = seedState(seed, index)
      for (let lane = 0; lane < 4; lane++) expect(other[lane]).not.toBe(base[lane])
    }
  })
})

describe('montecarlo-pi kind', () => {
  it('estimates pi within six standard deviations', () => {
    const samples = 4_000_000
    const p = Math.PI / 4
    const sigma = 4 * Math.sqrt((p * (1 - p)) / samples)
    for (const units of [1, 3, 8]) {
      const result = runJob({ samples, seed: 7 }, units)
      expect(result.samples).toBe(samples)
      expect(result.estimate).toBe((4 * result.inside) / samples)
      expect(Math.abs(result.estimate - Math.PI)).toBeLessThan(6 * sigma)
    }
  })

  it('reproduces results exactly for the same seed and unit count', () => {
    const params = { samples: 1_000_003, seed: 99 }
    const first = runJob(params, 5)
    expect(runJob(params, 5)).toEqual(first)
    expect(runJob({ ...params, seed: 100 }, 5)).not.toEqual(first)
    const unit = montecarloPi.split(params, 5)[2]!
    expect(montecarloPi.encodeOutput(montecarloPi.run(unit))).toEqual(montecarloPi.encodeOutput(montecarloPi.run(unit)))
  })

  it('splits the samples into near-equal units with consecutive indices', () => {
    const units = montecarloPi.split({ samples: 10, seed: 3 }, 4)
    expect(units).toEqual([
      { index: 0, samples: 3, seed: 3 },
      { index: 1, samples: 3, seed: 3 },
      { index: 2, samples: 2, seed: 3 },
      { index: 3, samples: 2, seed: 3 }
    ])
  })

  it.each([
    [{ samples: 10, seed: 0 }, 10, []],
    [{ samples: 10, seed: 0 }, 11, ['units: must be at most 10 for these params (got 11)']],
    [{ samples: 1e12 + 1, seed: 0 }, 1, ['params.samples: must be at most 1000000000000 (got 1000000000001)']],
    [{ samples: 1e12, seed: 0 }, 2, [`units: must be at least ${Math.ceil(1e12 / MAX_UNIT_SAMPLES)} so that no unit draws more than ${MAX_UNIT_SAMPLES} samples (got 2)`]]
  ])('check(%j, %d) reports %j', (params, units, expected) => {
    expect(montecarloPi.check(params, units)).toEqual(expected)
  })

  it.each([
    ['a string', /^unit: must be an object/],
    [{ index: 0, samples: 10 }, /^unit\.seed: missing/],
    [{ index: -1, samples: 10, seed: 0 }, /^unit\.index: must be in/],
    [{ index: 0, samples: 0, seed: 0 }, /^unit\.samples: must be in/],
    [{ index: 0, samples: MAX_UNIT_SAMPLES + 1, seed: 0 }, /^unit\.samples: must be in/],
    [{ index: 0, samples: 10, seed: 2 ** 53 }, /^unit\.seed: must be an integer/],
    [{ index: 0, samples: 10, seed: 1.5 }, /^unit\.seed: must be an integer/],
    [{ index: 0, samples: 10, seed: 0, extra: 1 }, /^unit\.extra: unexpected field/]
  ])('parseUnit rejects %j', (payload, message) => {
    expect(() => montecarloPi.parseUnit(payload)).toThrow(message)
  })

  it.each([
    ['{"inside":11,"samples":10}', /output\.inside: must be in \[0, 10\]/],
    ['{"inside":5,"samples":9}', /output\.samples: must be in \[10, 10\]/],
    ['{"samples":10,"inside":5}', /canonical/],
    ['{"inside":5}', /output\.samples: missing/]
  ])('decodeOutput rejects %s for a unit of 10 samples', (text, message) => {
    expect(() => montecarloPi.decodeOutput(new TextEncoder().encode(text), { index: 0, samples: 10, seed: 0 })).toThrow(message)
  })

  it('round-trips outputs through canonical bytes', () => {
    const unit = { index: 0, samples: 10, seed: 0 }
    const bytes = montecarloPi.encodeOutput({ samples: 10, inside: 8 })
    expect(new TextDecoder().decode(bytes)).toBe('{"inside":8,"samples":10}')
    expect(montecarloPi.decodeOutput(bytes, unit)).toEqual({ inside: 8, samples: 10 })
  })
})
