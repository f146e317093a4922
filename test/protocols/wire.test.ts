import { describe, expect, it } from '@jest/globals'
import protobuf from 'protobufjs'
import { MalformedMessageError } from '../../protocols/errors.ts'
import { compileWirePlans, scanMessage, type FieldLimits } from '../../protocols/wire.ts'
import { bytesField, message, tag, text, uint, varint, wire, type Bytes } from './wire-builder.ts'

const SCHEMA = `
syntax = "proto3";
package t;
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }
message Outer {
  string name = 1;
  uint32 count = 2;
  uint64 big = 3;
  bool flag = 4;
  Color color = 5;
  bytes blob = 6;
  repeated string tags = 7;
  repeated Inner items = 8;
  oneof choice { Inner left = 9; Inner right = 10; }
  optional uint32 maybe = 11;
}
message Inner { string label = 1; }
message Node { repeated Node children = 1; }
`

const LIMITS: FieldLimits = {
  'Outer.name': { maxBytes: 8 },
  'Outer.blob': { maxBytes: 16 },
  'Outer.tags': { maxBytes: 4, maxCount: 3 },
  'Outer.items': { maxCount: 2 },
  'Inner.label': { maxBytes: 5 }
}

function parse (source: string): protobuf.Root {
  const root = protobuf.parse(source).root
  root.resolveAll()
  return root
}

const root = parse(SCHEMA)
const [outer, node] = compileWirePlans(
  [root.lookupType('t.Outer'), root.lookupType('t.Node')],
  { ...LIMITS, 'Node.children': { maxCount: 4 } })

function scan (...parts: Bytes[]): void {
  scanMessage(outer!, wire(...parts))
}

describe('scanMessage accepts', () => {
  it.each<[string, Bytes[]]>([
    ['an empty message', []],
    ['every field once', [
      text(1, 'abc'), uint(2, 7), uint(3, 9), uint(4, 1), uint(5, 2), bytesField(6, [1, 2]),
      text(7, 'x'), message(8, text(1, 'y')), message(9, text(1, 'z')), uint(11, 0)
    ]],
    ['fields in any order', [uint(2, 7), text(1, 'abc')]],
    ['strings, bytes and repeated fields at their limits', [
      text(1, '12345678'), bytesField(6, new Array<number>(16).fill(0)),
      text(7, 'abcd'), text(7, ''), text(7, 'é'), message(8), message(8, text(1, '12345'))
    ]],
    ['the largest uint32', [uint(2, 0xffff_ffff)]],
    ['the largest exact uint64', [uint(3, Number.MAX_SAFE_INTEGER)]],
    ['a varint padded to ten bytes', [tag(2, 0), [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]]],
    ['the other oneof member', [message(10)]]
  ])('%s', (_, parts) => {
    expect(() => scan(...parts)).not.toThrow()
  })
})

describe('scanMessage rejects', () => {
  it.each<[string, Bytes[], string]>([
    ['an unknown field', [text(1, 'a'), uint(12, 1)], 'Outer has no field 12'],
    ['an unknown field of a nested message', [message(8, uint(2, 1))], 'Inner has no field 2'],
    ['field number zero', [[0x00, 0x01]], 'Outer has no field 0'],
    ['a string sent as a varint', [uint(1, 5)], 'Outer.name arrived with wire type 0'],
    ['an integer sent as bytes', [bytesField(2, [1])], 'Outer.count arrived with wire type 2'],
    ['a 64-bit fixed value', [tag(2, 1), new Array<number>(8).fill(0)], 'wire type 1'],
    ['a group', [tag(8, 3), tag(8, 4)], 'wire type 3'],
    ['a singular field sent twice', [text(1, 'a'), text(1, 'b')], 'Outer.name appears more than once'],
    ['an optional field sent twice', [uint(11, 1), uint(11, 1)], 'Outer.maybe appears more than once'],
    ['two members of one oneof', [message(9), message(10)], 'sets both Outer.left and Outer.right'],
    ['one oneof member twice', [message(9), message(9)], 'Outer.left appears more than once'],
    ['too many repeated strings', [text(7, 'a'), text(7, 'b'), text(7, 'c'), text(7, 'd')], 'Outer.tags has more than 3'],
    ['too many repeated messages', [message(8), message(8), message(8)], 'Outer.items has more than 2'],
    ['a string over its limit', [text(1, '123456789')], 'Outer.name is 9 bytes, over its 8-byte limit'],
    ['a multi-byte string over its limit in bytes', [text(1, 'ééééé')], 'Outer.name is 10 bytes'],
    ['a repeated string over its limit', [text(7, 'abcde')], 'Outer.tags is 5 bytes'],
    ['a nested string over its limit', [message(9, text(1, '123456'))], 'Inner.label is 6 bytes'],
    ['bytes over their limit', [bytesField(6, new Array<number>(17).fill(0))], 'Outer.blob is 17 bytes'],
    ['a uint32 beyond 32 bits', [uint(2, 2 ** 32)], 'Outer.count is 4294967296, beyond uint32'],
    ['a uint64 beyond 2^53 - 1', [uint(3, 2 ** 53)], 'Outer.big is beyond 2^53 - 1'],
    ['a uint64 of 2^64 - 1', [uint(3, 2n ** 64n - 1n)], 'Outer.big is beyond 2^53 - 1'],
    ['a bool other than 0 or 1', [uint(4, 2)], 'Outer.flag is 2'],
    ['an enum value the schema does not name', [uint(5, 3)], 'Outer.color is 3, which names no value'],
    ['a negative enum value', [uint(5, 2n ** 64n - 1n)], 'Outer.color is'],
    ['a varint longer than ten bytes', [tag(2, 0), [...new Array<number>(10).fill(0x80), 0x00]], 'Outer.count is a varint longer than 10 bytes'],
    ['a tag longer than five bytes', [[0x88, 0x80, 0x80, 0x80, 0x80, 0x00]], 'a field tag of Outer is a varint longer than 5 bytes'],
    ['a varint cut off by the end', [tag(2, 0), [0x80]], 'Outer.count is cut off'],
    ['a tag cut off by the end', [text(1, 'a'), [0x80]], 'a field tag of Outer is cut off'],
    ['a length beyond the end', [tag(1, 2), varint(5), [0x61]], 'Outer.name claims 5 bytes but only 1 remain'],
    ['a nested length beyond its enclosing field', [tag(8, 2), varint(3), tag(1, 2), varint(5), [0x61]], 'Inner.label claims 5 bytes but only 1 remain'],
    ['a length prefix that never ends', [tag(1, 2), [0x80, 0x80]], 'the length of Outer.name is cut off']
  ])('%s', (_, parts, problem) => {
    let error: unknown
    try {
      scan(...parts)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(MalformedMessageError)
    expect((error as Error).message).toContain(problem)
  })

  it('nesting deeper than 32 levels of a recursive message', () => {
    const nest = (depth: number): Bytes => (depth === 0 ? [] : message(1, nest(depth - 1)))
    expect(() => scanMessage(node!, wire(nest(32)))).not.toThrow()
    expect(() => scanMessage(node!, wire(nest(33)))).toThrow('nested more than 32 levels')
  })
})

describe('compileWirePlans refuses a schema it cannot guard', () => {
  it.each<[string, string, FieldLimits, string]>([
    ['a string without maxBytes', 'string s = 1;', {}, 'M.s needs a maxBytes limit'],
    ['a repeated field without maxCount', 'repeated bytes b = 1;', {}, 'M.b needs a maxCount limit'],
    ['a limit naming no field', 'uint32 n = 1;', { 'M.m': { maxBytes: 1 } }, 'limits name fields that do not exist: M.m'],
    ['a field type the scan does not know', 'double d = 1;', {}, 'M.d: type double is not supported'],
    ['a signed integer', 'sint32 i = 1;', {}, 'M.i: type sint32 is not supported'],
    ['a packed repeated scalar', 'repeated uint32 n = 1;', { 'M.n': { maxCount: 1 } }, 'M.n: repeated scalars'],
    ['a map', 'map<string, string> m = 1;', { 'M.m': { maxCount: 1 } }, 'M.m: map fields are not supported']
  ])('%s', (_, field, limits, problem) => {
    const type = parse(`syntax = "proto3"; package t; message M { ${field} }`).lookupType('t.M')
    expect(() => compileWirePlans([type], limits)).toThrow(problem)
  })
})
