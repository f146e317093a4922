import { describe, it, expect } from '@jest/globals'
import { createHash } from 'node:crypto'
import { DEFAULT_NONCES, hasLeadingZeroBits, hashSearch, MAX_UNIT_NONCES, type HashSearchParams } from '../../jobs/hash-search.ts'

function sha256Hex (text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex')
}

/** Leading zero bits of a hex digest, counted on its binary spelling. */
function zeroBits (hex: string): number {
  const bits = BigInt(`0x${hex}`).toString(2).padStart(hex.length * 4, '0')
  return bits.length - bits.replace(/^0+/, '').length
}

function referenceSearch (data: string, bits: number, start: number, end: number): number | null {
  for (let nonce = start; nonce < end; nonce++) if (zeroBits(sha256Hex(`${data}:${nonce}`)) >= bits) return nonce
  return null
}

function runJob (params: HashSearchParams, units: number): { value: unknown, outputs: Array<{ nonce: number | null }> } {
  expect(hashSearch.check(params, units)).toEqual([])
  const outputs = hashSearch.split(params, units).map((unit) => {
    const parsed = hashSearch.parseUnit(JSON.parse(JSON.stringify(unit)))
    return hashSearch.decodeOutput(hashSearch.encodeOutput(hashSearch.run(parsed)), parsed)
  })
  return { value: hashSearch.merge(params, outputs).value, outputs }
}

describe('hasLeadingZeroBits', () => {
  it.each([
    ['00', 8], ['01', 7], ['80', 0], ['7f', 1], ['0000ff', 16], ['00000f', 20], ['000010', 19], ['0000000000', 40]
  ])('matches the binary spelling of %s for every bit count', (hex, zeros) => {
    const digest = Buffer.from(hex, 'hex')
    expect(zeroBits(hex)).toBe(zeros)
    for (let bits = 1; bits <= digest.length * 8; bits++) expect(hasLeadingZeroBits(digest, bits)).toBe(bits <= zeros)
  })

  it('is false when the digest is shorter than the requirement', () => {
    expect(hasLeadingZeroBits(new Uint8Array([0]), 9)).toBe(false)
  })
})

describe('hash-search kind', () => {
  it.each([
    ['peergrid', 8, 4096],
    ['hello world', 12, 40_000],
    ['ünïcödé ✓ 🚀', 10, 10_000]
  ])('finds the same lowest nonce for %j at %d bits as a reference scan', (data, difficultyBits, nonces) => {
    const expected = referenceSearch(data, difficultyBits, 0, nonces)
    expect(expected).not.toBeNull()
    for (const units of [1, 4]) {
      const { value } = runJob({ data, difficultyBits, nonces }, units)
      expect(value).toEqual({ nonce: expected, hash: sha256Hex(`${data}:${expected}`) })
    }
  })

  it('reports null for a unit without a solution, and merge says so', () => {
    const params = { data: 'nothing here', difficultyBits: 24, nonces: 64 }
    expect(referenceSearch(params.data, params.difficultyBits, 0, 64)).toBeNull()
    const { value, outputs } = runJob(params, 2)
    expect(outputs).toEqual([{ nonce: null }, { nonce: null }])
    expect(value).toEqual({ nonce: null })
  })

  it('merge picks the lowest nonce whatever the unit order', () => {
    const params = { data: 'x', difficultyBits: 1 }
    expect(hashSearch.merge(params, [{ nonce: null }, { nonce: 9 }, { nonce: 4 }]).value).toEqual({ nonce: 4, hash: sha256Hex('x:4') })
  })

  it('verify accepts a real solution and rejects everything it cannot prove', () => {
    const unit = { data: 'verify me', difficultyBits: 10, start: 0, end: 20_000 }
    const found = hashSearch.run(unit).nonce
    expect(found).not.toBeNull()
    expect(zeroBits(sha256Hex(`verify me:${found}`))).toBeGreaterThanOrEqual(10)
    expect(hashSearch.verify!(unit, { nonce: found })).toBe(true)
    // Nonces just after the solution, checked independently to be non-solutions.
    const wrong = [1, 2, 3].map((d) => found! + d).filter((n) => zeroBits(sha256Hex(`verify me:${n}`)) < 10)
    expect(wrong.length).toBeGreaterThan(0)
    for (const nonce of wrong) expect(hashSearch.verify!(unit, { nonce })).toBe(false)
    expect(hashSearch.verify!({ ...unit, start: found! + 1 }, { nonce: found })).toBe(false)
    expect(hashSearch.verify!({ ...unit, end: found! }, { nonce: found })).toBe(false)
    expect(hashSearch.verify!(unit, { nonce: null })).toBe(false)
  })

  it('is deterministic byte for byte', () => {
    const unit = { data: 'again', difficultyBits: 9, start: 100, end: 5000 }
    expect(hashSearch.encodeOutput(hashSearch.run(unit))).toEqual(hashSearch.encodeOutput(hashSearch.run(unit)))
  })

  it('splits the default space of 2^32 nonces into contiguous slices', () => {
    const units = hashSearch.split({ data: 'd', difficultyBits: 20 }, 100)
    expect(units).toHaveLength(100)
    expect(units[0]!.start).toBe(0)
    expect(units.at(-1)!.end).toBe(DEFAULT_NONCES)
    for (let i = 1; i < units.length; i++) expect(units[i]!.start).toBe(units[i - 1]!.end)
  })

  it.each([
    [{ data: 'd', difficultyBits: 20 }, 64, []],
    [{ data: 'd', difficultyBits: 20, nonces: 10 }, 10, []],
    [{ data: 'd', difficultyBits: 20, nonces: 10 }, 11, ['units: must be at most 10 for these params (got 11)']],
    [{ data: 'd', difficultyBits: 20 }, 63, [`units: must be at least 64 so that no unit searches more than ${MAX_UNIT_NONCES} nonces (got 63)`]],
    [{ data: 'a\uD800b', difficultyBits: 20, nonces: 10 }, 1, ['params.data: must not contain lone UTF-16 surrogates (got length 3)']]
  ])('check(%j, %d) reports %j', (params, units, expected) => {
    expect(hashSearch.check(params, units)).toEqual(expected)
  })

  const unit = { data: 'd', difficultyBits: 20, start: 0, end: 100 }
  it.each([
    ['a number', 42, /^unit: must be an object/],
    ['an empty range', { ...unit, end: 0 }, /^unit\.end: must be in \[1, /],
    ['an oversized range', { ...unit, end: MAX_UNIT_NONCES + 1 }, /^unit\.end: must be in/],
    ['empty data', { ...unit, data: '' }, /^unit\.data: length must be in \[1, 1024\]/],
    ['1025 characters of data', { ...unit, data: 'x'.repeat(1025) }, /^unit\.data: length must be in/],
    ['a lone surrogate', { ...unit, data: '\uDC00' }, /^unit\.data: contains a lone surrogate/],
    ['numeric data', { ...unit, data: 7 }, /^unit\.data: must be a string/],
    ['difficulty 0', { ...unit, difficultyBits: 0 }, /^unit\.difficultyBits: must be in \[1, 40\]/],
    ['difficulty 41', { ...unit, difficultyBits: 41 }, /^unit\.difficultyBits: must be in/],
    ['an extra field', { ...unit, nonce: 1 }, /^unit\.nonce: unexpected field/]
  ])('parseUnit rejects %s', (_label, payload, message) => {
    expect(() => hashSearch.parseUnit(payload)).toThrow(message)
  })

  it.each([
    ['{"nonce":null}', { nonce: null }],
    ['{"nonce":0}', { nonce: 0 }],
    ['{"nonce":99}', { nonce: 99 }]
  ])('decodeOutput accepts %s', (text, expected) => {
    expect(hashSearch.decodeOutput(new TextEncoder().encode(text), unit)).toEqual(expected)
  })

  it.each([
    ['{"nonce":100}', /output\.nonce: must be in \[0, 99\]/],
    ['{"nonce":-1}', /output\.nonce: must be in/],
    ['{"nonce":"5"}', /output\.nonce: must be an integer/],
    ['{}', /output\.nonce: missing/],
    ['{"nonce": 5}', /canonical/]
  ])('decodeOutput rejects %s', (text, message) => {
    expect(() => hashSearch.decodeOutput(new TextEncoder().encode(text), unit)).toThrow(message)
  })
})
