import { describe, it, expect } from '@jest/globals'
import {
  canonicalJson, checkUnitCount, decodeJsonObject, encodeCanonicalJson,
  describeValue, paramIssue, readInteger, readNumber, readRecord, readString, type JsonRecord
} from '../../jobs/codec.ts'
import type { Json } from '../../jobs/kind.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const identity = (record: JsonRecord): JsonRecord => record

describe('canonicalJson', () => {
  it.each<[Json, string]>([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: [3, { d: null, c: true }], x: 'é' } }, '{"z":{"x":"é","y":[3,{"c":true,"d":null}]}}'],
    [[{ b: 1, a: 1 }, 'q'], '[{"a":1,"b":1},"q"]'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
    [1e21, '1e+21'],
    ['"\n', '"\\"\\n"']
  ])('writes %j as %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text)
    expect(JSON.parse(text)).toEqual(value)
  })

  it('writes -0 as 0, the only spelling JSON has for zero', () => {
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}')
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %d', (value) => {
    expect(() => canonicalJson({ a: value })).toThrow(/non-finite/)
  })

  it('encodes to UTF-8', () => {
    expect(Array.from(encodeCanonicalJson({ k: 'é' }))).toEqual(Array.from(Buffer.from('{"k":"é"}', 'utf8')))
  })
})

describe('decodeJsonObject', () => {
  it('returns what the check builds from a canonical object', () => {
    expect(decodeJsonObject(bytes('{"a":1,"b":[2]}'), (record) => ({ sum: (record.a as number) + 1 }))).toEqual({ sum: 2 })
  })

  it.each([
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    ['a byte order mark', new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), /not valid JSON/],
    ['truncated JSON', bytes('{"a":'), /not valid JSON/],
    ['an array', bytes('[1]'), /must be a JSON object \(got \[1\]\)/],
    ['null', bytes('null'), /must be a JSON object/],
    ['a number', bytes('5'), /must be a JSON object/],
    ['whitespace', bytes('{"a": 1}'), /canonical/],
    ['unsorted keys', bytes('{"b":1,"a":2}'), /canonical/],
    ['a non-canonical number', bytes('{"a":1.0}'), /canonical/],
    ['an escaped character', bytes('{"a":"\\u0041"}'), /canonical/],
    ['a duplicate key', bytes('{"a":1,"a":2}'), /canonical/],
    ['oversized input', bytes(`{"a":"${'x'.repeat(70_000)}"}`), /exceeds the limit/]
  ])('rejects %s', (_label, input, message) => {
    expect(() => decodeJsonObject(input, identity)).toThrow(message)
  })

  it('honours a custom size limit', () => {
    expect(() => decodeJsonObject(bytes('{"a":1}'), identity, 6)).toThrow(/7 bytes exceeds the limit of 6/)
  })

  it('keeps a "__proto__" key as plain data', () => {
    const record = decodeJsonObject(bytes('{"__proto__":{"polluted":true}}'), identity)
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(() => readRecord(record, 'output', ['a'])).toThrow('output.__proto__: unexpected field')
  })
})

describe('field readers', () => {
  it.each([
    ['undefined', undefined, 'unit: must be an object (got undefined)'],
    ['an array', [1], 'unit: must be an object (got [1])'],
    ['a class instance', new Date(0), /^unit: must be an object/],
    ['a missing field', { a: 1 }, 'unit.b: missing'],
    ['an unknown field', { a: 1, b: 2, c: 3 }, 'unit.c: unexpected field']
  ])('readRecord rejects %s', (_label, value, message) => {
    expect(() => readRecord(value, 'unit', ['a', 'b'])).toThrow(message)
  })

  it('readRecord allows optional fields', () => {
    expect(readRecord({ a: 1, o: 2 }, 'unit', ['a'], ['o'])).toEqual({ a: 1, o: 2 })
  })

  it.each([
    [5, 5],
    [0, 0],
    [10, 10]
  ])('readInteger accepts %j', (value, expected) => {
    expect(readInteger({ n: value }, 'n', 'unit', 0, 10)).toBe(expected)
  })

  it.each([
    [11, 'unit.n: must be in [0, 10] (got 11)'],
    [-1, 'unit.n: must be in [0, 10] (got -1)'],
    [1.5, 'unit.n: must be an integer (got 1.5)'],
    ['3', 'unit.n: must be an integer (got "3")'],
    [Number.NaN, 'unit.n: must be an integer (got NaN)'],
    [2 ** 53, 'unit.n: must be an integer (got 9007199254740992)'],
    [undefined, 'unit.n: must be an integer (got undefined)']
  ])('readInteger rejects %j', (value, message) => {
    expect(() => readInteger({ n: value }, 'n', 'unit', 0, 10)).toThrow(message)
  })

  it.each([
    [0.5, false, null],
    [0, false, null],
    [0, true, 'unit.x: must be in (0, 1] (got 0)'],
    [1.0001, false, 'unit.x: must be in [0, 1] (got 1.0001)'],
    [Number.POSITIVE_INFINITY, false, 'unit.x: must be a finite number (got Infinity)'],
    [null, false, 'unit.x: must be a finite number (got null)']
  ])('readNumber(%j, exclusive=%s)', (value, exclusive, message) => {
    const read = (): number => readNumber({ x: value }, 'x', 'unit', 0, 1, exclusive)
    if (message === null) expect(read()).toBe(value)
    else expect(read).toThrow(message)
  })

  it.each([
    ['ok', null],
    ['', 'unit.s: length must be in [1, 3] (got 0)'],
    ['four', 'unit.s: length must be in [1, 3] (got 4)'],
    ['a\uD83D', 'unit.s: contains a lone surrogate'],
    [3, 'unit.s: must be a string (got 3)']
  ])('readString(%j)', (value, message) => {
    const read = (): string => readString({ s: value }, 's', 'unit', 1, 3)
    if (message === null) expect(read()).toBe(value)
    else expect(read).toThrow(message)
  })
})

describe('messages', () => {
  it('formats param issues as params.<field>: <problem> (<given>)', () => {
    expect(paramIssue('to', 'must be at most 10', 'got 11')).toBe('params.to: must be at most 10 (got 11)')
  })

  it.each([
    [1, 5, []],
    [5, 5, []],
    [6, 5, ['units: must be at most 5 for these params (got 6)']],
    [0, 5, ['units: must be an integer of at least 1 (got 0)']],
    [2.5, 5, ['units: must be an integer of at least 1 (got 2.5)']]
  ])('checkUnitCount(%d, %d) gives %j', (units, max, expected) => {
    expect(checkUnitCount(units, max)).toEqual(expected)
  })

  it.each([
    [undefined, 'undefined'],
    [10n, '10n'],
    [Number.NaN, 'NaN'],
    [Symbol('s'), 'symbol'],
    [{ a: 1 }, '{"a":1}'],
    ['x'.repeat(100), `"${'x'.repeat(56)}...`]
  ])('describes %p as %s', (value, text) => {
    expect(describeValue(value)).toBe(text)
  })

  it('describes values JSON cannot write', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(describeValue(cyclic)).toBe('[object Object]')
  })
})
