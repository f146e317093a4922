/**
 * `hash-search`: finds the lowest nonce n such that SHA-256 of the UTF-8 text `data:n`
 * (n in decimal) starts with `difficultyBits` zero bits — proof-of-work style search.
 *
 * Units are contiguous slices of the nonce space; each reports the first solution in its
 * slice, so the lowest solution overall is the first non-null output in unit order. A
 * claimed solution is checked with one hash, which makes `verify` far cheaper than `run`.
 */
import { hash } from 'node:crypto'
import type { JobKind, JobResult } from './kind.ts'
import { creditFor, REFERENCE_RATES } from './credit.ts'
import { checkUnitCount, decodeJsonObject, encodeCanonicalJson, paramIssue, readInteger, readRecord, readString } from './codec.ts'

export interface HashSearchParams {
  data: string
  difficultyBits: number
  /** Size of the nonce space [0, nonces); DEFAULT_NONCES when absent. */
  nonces?: number
}

/** Nonces start (inclusive) to end (exclusive). */
export interface HashSearchUnit {
  data: string
  difficultyBits: number
  start: number
  end: number
}

export interface HashSearchOutput {
  /** The first solution in the unit's range, or null when it has none. */
  nonce: number | null
}

export const MAX_DATA_LENGTH = 1024
export const MAX_DIFFICULTY_BITS = 40
export const DEFAULT_NONCES = 2 ** 32
export const MAX_NONCES = 2 ** 40
/** One to two minutes of hashing on one thread, well inside a unit's default five-minute deadline. */
export const MAX_UNIT_NONCES = 2 ** 26

/** SHA-256 of `data:nonce`. */
export function digestOf (data: string, nonce: number): Buffer {
  return hash('sha256', `${data}:${nonce}`, 'buffer')
}

/** Whether `digest` starts with at least `bits` zero bits. */
export function hasLeadingZeroBits (digest: Uint8Array, bits: number): boolean {
  const whole = bits >>> 3
  if (digest.length < whole + ((bits & 7) !== 0 ? 1 : 0)) return false
  for (let i = 0; i < whole; i++) if (digest[i] !== 0) return false
  const rest = bits & 7
  return rest === 0 || (digest[whole]! >>> (8 - rest)) === 0
}

/** The lowest nonce in [start, end) whose digest has `bits` leading zero bits, or null. */
export function searchNonces (data: string, bits: number, start: number, end: number): number | null {
  const prefix = `${data}:`
  // Most candidates fail on their first byte; test it inline before the general check.
  const firstByteMask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
  for (let nonce = start; nonce < end; nonce++) {
    const digest = hash('sha256', prefix + nonce, 'buffer')
    if ((digest[0]! & firstByteMask) === 0 && hasLeadingZeroBits(digest, bits)) return nonce
  }
  return null
}

function nonceSpace (params: HashSearchParams): number {
  return params.nonces ?? DEFAULT_NONCES
}

export const hashSearch: JobKind<HashSearchParams, HashSearchUnit, HashSearchOutput> = {
  name: 'hash-search',
  description: 'Finds the lowest nonce n whose SHA-256("data:n") starts with k zero bits.',
  paramsSchema: {
    type: 'object',
    required: ['data', 'difficultyBits'],
    properties: {
      data: { type: 'string', minLength: 1, maxLength: MAX_DATA_LENGTH, description: 'Text hashed before ":" and the nonce.' },
      difficultyBits: { type: 'integer', minimum: 1, maximum: MAX_DIFFICULTY_BITS, description: 'Leading zero bits required; each bit doubles the expected work.' },
      nonces: { type: 'integer', minimum: 1, maximum: MAX_NONCES, description: `Nonces to search, from 0 (default ${DEFAULT_NONCES}).` }
    },
    additionalProperties: false
  },

  check (params, units) {
    if (!params.data.isWellFormed()) return [paramIssue('data', 'must not contain lone UTF-16 surrogates', `got length ${params.data.length}`)]
    const nonces = nonceSpace(params)
    const issues = checkUnitCount(units, nonces)
    const needed = Math.ceil(nonces / MAX_UNIT_NONCES)
    if (issues.length === 0 && units < needed) {
      issues.push(`units: must be at least ${needed} so that no unit searches more than ${MAX_UNIT_NONCES} nonces (got ${units})`)
    }
    return issues
  },

  split (params, units) {
    const nonces = nonceSpace(params)
    const parts = Math.max(1, Math.min(units, nonces))
    const small = Math.floor(nonces / parts)
    const larger = nonces - small * parts
    const result: HashSearchUnit[] = []
    let start = 0
    for (let i = 0; i < parts; i++) {
      const end = start + small + (i < larger ? 1 : 0)
      result.push({ data: params.data, difficultyBits: params.difficultyBits, start, end })
      start = end
    }
    return result
  },

  parseUnit (payload) {
    const record = readRecord(payload, 'unit', ['data', 'difficultyBits', 'start', 'end'])
    const start = readInteger(record, 'start', 'unit', 0, MAX_NONCES - 1)
    return {
      data: readString(record, 'data', 'unit', 1, MAX_DATA_LENGTH),
      difficultyBits: readInteger(record, 'difficultyBits', 'unit', 1, MAX_DIFFICULTY_BITS),
      start,
      end: readInteger(record, 'end', 'unit', start + 1, Math.min(MAX_NONCES, start + MAX_UNIT_NONCES))
    }
  },

  run (unit) {
    return { nonce: searchNonces(unit.data, unit.difficultyBits, unit.start, unit.end) }
  },

  encodeOutput (output) {
    return encodeCanonicalJson({ nonce: output.nonce })
  },

  decodeOutput (bytes, unit) {
    return decodeJsonObject(bytes, (record) => {
      readRecord(record, 'output', ['nonce'])
      if (record.nonce === null) return { nonce: null }
      return { nonce: readInteger(record, 'nonce', 'output', unit.start, unit.end - 1) }
    })
  },

  /**
   * True when the output names a nonce inside the unit that really solves it: proof that the
   * peer did find a solution. It cannot prove there is no smaller one in the range, and a null
   * output cannot be checked short of redoing the search, so null gives false — "not
   * verified, replicate", not "wrong".
   */
  verify (unit, output) {
    const { nonce } = output
    if (nonce === null || !Number.isSafeInteger(nonce) || nonce < unit.start || nonce >= unit.end) return false
    return hasLeadingZeroBits(digestOf(unit.data, nonce), unit.difficultyBits)
  },

  // The search stops at the first solution: the nonces before it are the work done.
  credit (unit, output) {
    return creditFor((output.nonce ?? unit.end - 1) - unit.start + 1, REFERENCE_RATES.sha256Hashes)
  },

  merge (params, outputs): JobResult {
    let best: number | null = null
    for (const { nonce } of outputs) {
      if (nonce !== null && (best === null || nonce < best)) best = nonce
    }
    if (best === null) return { value: { nonce: null } }
    return { value: { nonce: best, hash: digestOf(params.data, best).toString('hex') } }
  }
}
