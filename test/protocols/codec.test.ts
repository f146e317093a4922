import { describe, expect, it } from '@jest/globals'
import { enumCodec } from '../../protocols/codec.ts'
import { STATUSES } from '../../protocols/common.ts'
import { MalformedMessageError } from '../../protocols/errors.ts'
import { expectThrows } from './expect-error.ts'

describe('enumCodec', () => {
  it.each([
    ['a name the .proto file lacks', [...STATUSES, 'LOST']],
    ['a missing name', STATUSES.filter((status) => status !== 'BUSY')],
    ['the unspecified value', [...STATUSES, 'STATUS_UNSPECIFIED']]
  ])('refuses a TypeScript list with %s', (_, names) => {
    expect(() => enumCodec('Status', names)).toThrow('TypeScript names')
  })

  it('maps names to the numbers of the .proto file and back', () => {
    const codec = enumCodec('UnitResult.ResultStatus', ['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'])
    expect(['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'].map((name) => codec.toWire(name as 'OK', 'status'))).toEqual([1, 2, 3, 4])
    expect([1, 2, 3, 4].map((value) => codec.fromWire(value, 'status'))).toEqual(['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'])
  })

  it.each([
    [0, 'status is missing'],
    [5, 'status is 5, which names no ResultStatus'],
    [-1, 'status is -1']
  ])('refuses wire value %i', (value, problem) => {
    const codec = enumCodec('UnitResult.ResultStatus', ['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'])
    expectThrows(() => codec.fromWire(value, 'status'), MalformedMessageError, problem)
  })

  it.each(['RESULT_STATUS_UNSPECIFIED', 'toString', 'LOST'])('refuses to encode %s', (name) => {
    const codec = enumCodec('UnitResult.ResultStatus', ['OK', 'ERROR', 'TIMEOUT', 'OUT_OF_MEMORY'])
    expectThrows(() => codec.toWire(name as 'OK', 'status'), MalformedMessageError, 'which is not a ResultStatus')
  })
})
