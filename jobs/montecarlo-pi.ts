/**
 * `montecarlo-pi`: estimates pi by throwing seeded random points at the unit square and
 * counting those inside the quarter circle.
 *
 * Every unit owns a xoshiro128** stream keyed by (seed, unit index), so a job gives the same
 * counts on every run and every machine for the same seed and unit count, and replicas can be
 * compared byte for byte. Points are 26-bit integer pairs: a^2 + b^2 < 2^52 is exact in
 * doubles, so no rounding decides whether a point is inside.
 */
import type { JobKind, JobResult } from './kind.ts'
import { creditFor, REFERENCE_RATES } from './credit.ts'
import { checkUnitCount, decodeJsonObject, encodeCanonicalJson, paramIssue, readInteger, readRecord } from './codec.ts'

export interface MonteCarloPiParams {
  samples: number
  seed: number
}

export interface MonteCarloPiUnit {
  /** Position of the unit in the job; selects its random stream. */
  index: number
  samples: number
  seed: number
}

export interface MonteCarloPiOutput {
  inside: number
  samples: number
}

export const MAX_SAMPLES = 1e12
/** Keeps the loop counter a small integer and one unit to a few tens of seconds. */
export const MAX_UNIT_SAMPLES = 2 ** 31 - 1
const RADIUS_SQUARED = 2 ** 52
const TWO_32 = 2 ** 32
/** Bound once: inside vm sandboxes (test runners, embedders) every global lookup is slow. */
const imul = Math.imul

/** MurmurHash3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
function fmix32 (h: number): number {
  h ^= h >>> 16
  h = imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The 128-bit xoshiro128** state of unit `index` of a job seeded with `seed` (both integers
 * in [0, 2^53)). Each state word hashes all 128 input bits under its own lane constant, so
 * distinct (seed, index) pairs get unrelated streams.
 */
export function seedState (seed: number, index: number): Uint32Array {
  const words = [seed >>> 0, Math.floor(seed / TWO_32), index >>> 0, Math.floor(index / TWO_32)]
  const state = new Uint32Array(4)
  for (let lane = 0; lane < 4; lane++) {
    let h = imul(lane + 1, 0x9e3779b9)
    for (const word of words) h = fmix32(h ^ word)
    state[lane] = h
  }
  // The all-zero state is xoshiro's one fixed point.
  if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1
  return state
}

/**
 * Draws `samples` points from xoshiro128** started at `state` (not modified): each point
 * takes two outputs, keeps their top 26 bits as (a, b), and is inside when a^2 + b^2 < 2^52.
 */
export function countInside (state: Uint32Array, samples: number): number {
  let s0 = state[0]! | 0
  let s1 = state[1]! | 0
  let s2 = state[2]! | 0
  let s3 = state[3]! | 0
  let inside = 0
  for (let i = 0; i < samples; i++) {
    // Two xoshiro128** steps, written out: a call per draw would double the cost.
    let r = imul(s1, 5)
    r = imul((r << 7) | (r >>> 25), 9)
    let t = s1 << 9
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
    s3 = (s3 << 11) | (s3 >>> 21)
    const a = r >>> 6

    r = imul(s1, 5)
    r = imul((r << 7) | (r >>> 25), 9)
    t = s1 << 9
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
    s3 = (s3 << 11) | (s3 >>> 21)
    const b = r >>> 6

    if (a * a + b * b < RADIUS_SQUARED) inside++
  }
  return inside
}

export const montecarloPi: JobKind<MonteCarloPiParams, MonteCarloPiUnit, MonteCarloPiOutput> = {
  name: 'montecarlo-pi',
  description: 'Estimates pi from seeded, reproducible random samples in the unit square.',
  paramsSchema: {
    type: 'object',
    required: ['samples', 'seed'],
    properties: {
      samples: { type: 'integer', minimum: 1, maximum: MAX_SAMPLES, description: 'Points to draw in total.' },
      seed: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Seed of the random streams; equal seeds and unit counts give equal results.' }
    },
    additionalProperties: false
  },

  check (params, units) {
    const { samples } = params
    if (samples > MAX_SAMPLES) return [paramIssue('samples', `must be at most ${MAX_SAMPLES}`, `got ${samples}`)]
    const issues = checkUnitCount(units, samples)
    const needed = Math.ceil(samples / MAX_UNIT_SAMPLES)
    if (issues.length === 0 && units < needed) {
      issues.push(`units: must be at least ${needed} so that no unit draws more than ${MAX_UNIT_SAMPLES} samples (got ${units})`)
    }
    return issues
  },

  split (params, units) {
    const parts = Math.max(1, Math.min(units, params.samples))
    const small = Math.floor(params.samples / parts)
    const larger = params.samples - small * parts
    return Array.from({ length: parts }, (_, index) => ({ index, samples: small + (index < larger ? 1 : 0), seed: params.seed }))
  },

  parseUnit (payload) {
    const record = readRecord(payload, 'unit', ['index', 'samples', 'seed'])
    return {
      index: readInteger(record, 'index', 'unit', 0, MAX_SAMPLES - 1),
      samples: readInteger(record, 'samples', 'unit', 1, MAX_UNIT_SAMPLES),
      seed: readInteger(record, 'seed', 'unit', 0, Number.MAX_SAFE_INTEGER)
    }
  },

  run (unit) {
    return { inside: countInside(seedState(unit.seed, unit.index), unit.samples), samples: unit.samples }
  },

  encodeOutput (output) {
    return encodeCanonicalJson({ inside: output.inside, samples: output.samples })
  },

  decodeOutput (bytes, unit) {
    return decodeJsonObject(bytes, (record) => {
      readRecord(record, 'output', ['inside', 'samples'])
      const samples = readInteger(record, 'samples', 'output', unit.samples, unit.samples)
      return { inside: readInteger(record, 'inside', 'output', 0, samples), samples }
    })
  },

  credit (unit) {
    return creditFor(unit.samples, REFERENCE_RATES.piSamples)
  },

  merge (_params, outputs): JobResult {
    let inside = 0
    let samples = 0
    for (const output of outputs) {
      inside += output.inside
      samples += output.samples
    }
    return { value: { inside, samples, estimate: samples > 0 ? (4 * inside) / samples : null } }
  }
}
