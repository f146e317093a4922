import { describe, expect, it } from '@jest/globals'
import { applyMutation, lengthPrefixes, varint, type Mutation } from '../../bench/fuzz-mutations.ts'
import { bytesField, message, text, uint, wire } from '../protocols/wire-builder.ts'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('applyMutation', () => {
  const base = bytes(10, 20, 30, 40)
  it.each<[string, Mutation, number[]]>([
    ['flips one bit', { op: 'flip', at: 1, bit: 0 }, [10, 21, 30, 40]],
    ['wraps positions past the end', { op: 'set', at: 6, byte: 0xff }, [10, 20, 0xff, 40]],
    ['truncates', { op: 'truncate', at: 2 }, [10, 20]],
    ['inserts', { op: 'insert', at: 4, bytes: bytes(1, 2) }, [10, 20, 30, 40, 1, 2]],
    ['deletes a run', { op: 'delete', at: 1, count: 2 }, [10, 40]],
    ['duplicates a run elsewhere', { op: 'duplicate', at: 2, count: 2, to: 0 }, [30, 40, 10, 20, 30, 40]],
    ['splices in the tail of another message', { op: 'splice', at: 1, other: bytes(7, 8, 9), from: 1 }, [10, 8, 9]]
  ])('%s', (_, mutation, expected) => {
    expect([...applyMutation(base, mutation)]).toEqual(expected)
    expect([...base]).toEqual([10, 20, 30, 40])
  })

  it('changes a nested length prefix, and re-encodes it at the size its new value needs', () => {
    // field 1: a message holding field 2 = "ab"; prefixes: outer (4 bytes of body), inner (2).
    const encoded = wire(message(1, text(2, 'ab')))
    expect(lengthPrefixes(encoded)).toEqual([{ offset: 1, size: 1, value: 4 }, { offset: 3, size: 1, value: 2 }])
    expect([...applyMutation(encoded, { op: 'length', which: 1, delta: 1 })]).toEqual([0x0a, 4, 0x12, 3, 0x61, 0x62])
    expect([...applyMutation(encoded, { op: 'length', which: 0, delta: 0, set: 300 })]).toEqual([0x0a, 0xac, 0x02, 0x12, 2, 0x61, 0x62])
  })
})

describe('lengthPrefixes', () => {
  it.each<[string, Uint8Array, number[]]>([
    ['none in a varint-only message', wire(uint(1, 300), uint(2, 1)), []],
    ['one per length-delimited field, in order', wire(uint(1, 5), bytesField(2, [1, 2, 3]), text(3, 'x')), [3, 1]],
    ['those before a cut-off field only', wire(text(1, 'ok'), [0x12, 9, 1]), [2]],
    ['none inside a body that parses as a message without length fields', wire(bytesField(1, [0x08, 0x01])), [2]]
  ])('%s', (_, encoded, values) => {
    expect(lengthPrefixes(encoded).map((p) => p.value)).toEqual(values)
  })

  it('agrees with varint on multi-byte prefixes', () => {
    const long = wire(bytesField(1, new Array<number>(200).fill(7)))
    expect(lengthPrefixes(long)).toEqual([{ offset: 1, size: varint(200).length, value: 200 }])
  })
})
