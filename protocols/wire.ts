/**
 * A strict pass over protobuf bytes that runs before protobufjs decodes them and builds no values.
 *
 * protobufjs is lenient in the ways the protobuf spec asks parsers to be: it skips unknown
 * fields, treats a known field sent with the wrong wire type as unknown, lets the last of two
 * oneof members win, and materialises every element of a repeated field however many arrive
 * (8 MiB of two-byte empty messages becomes four million objects). Our peers are untrusted, so
 * this scan walks the wire format against the schema and rejects, before anything is allocated:
 * unknown field numbers, wrong wire types, malformed or truncated varints and lengths, a
 * singular field sent twice, two members of one oneof, enum values the schema does not name,
 * integers out of their type's range (uint64 beyond 2^53 - 1, since values decode to JS
 * numbers), and strings, byte fields and repeated fields over their limits.
 *
 * Only the field types PeerGrid's schema uses are supported; compiling a schema that uses
 * others fails at load time rather than letting such fields through unchecked.
 */
import type { Field, Type } from 'protobufjs'
import protobuf from 'protobufjs'
import { MalformedMessageError } from './errors.ts'

/** Limits for one field: bytes per value (strings count UTF-8 bytes) and values per message. */
export interface FieldLimit {
  readonly maxBytes?: number
  readonly maxCount?: number
}

/**
 * Keyed by `Message.field` with protobufjs' camelCase field names, e.g. `Lease.leaseId`.
 * Every string field needs `maxBytes` and every repeated field `maxCount`, so a field added to
 * a `.proto` file without a limit fails at load time.
 */
export type FieldLimits = Readonly<Record<string, FieldLimit>>

type Shape = 'bool' | 'uint32' | 'uint64' | 'enum' | 'string' | 'bytes' | 'message'

interface FieldPlan {
  readonly label: string
  readonly slot: number
  readonly shape: Shape
  readonly repeated: boolean
  /** Index into the message's real (non-synthetic) oneofs, or -1. */
  readonly oneof: number
  readonly maxBytes: number
  readonly maxCount: number
  readonly enumValues: ReadonlySet<number> | undefined
  readonly message: MessagePlan | undefined
}

/** A message type compiled for scanning. */
export interface MessagePlan {
  readonly name: string
  readonly fields: ReadonlyMap<number, FieldPlan>
  readonly oneofs: readonly string[]
}

const VARINT = 0
const LENGTH_DELIMITED = 2
const MAX_DEPTH = 32
const MAX_UINT32 = 0xffff_ffff

/**
 * Compiles `roots` and every message type they reach. Throws (a schema bug, not bad input) when
 * a field has an unsupported type, lacks a required limit, or a limit names no reached field.
 */
export function compileWirePlans (roots: readonly Type[], limits: FieldLimits): MessagePlan[] {
  const plans = new Map<Type, MessagePlan>()
  const used = new Set<string>()
  const compile = (type: Type): MessagePlan => {
    const known = plans.get(type)
    if (known) return known
    const fields = new Map<number, FieldPlan>()
    const oneofs = type.oneofsArray.filter((group) => !group.isProto3Optional).map((group) => group.name)
    const plan: MessagePlan = { name: type.name, fields, oneofs }
    plans.set(type, plan)
    type.fieldsArray.forEach((field, slot) => {
      const label = `${type.name}.${field.name}`
      const limit = limits[label] ?? {}
      if (limits[label]) used.add(label)
      const shape = shapeOf(field, label)
      const resolved = field.resolvedType
      fields.set(field.id, {
        label,
        slot,
        shape,
        repeated: field.repeated,
        oneof: field.partOf && !field.partOf.isProto3Optional ? oneofs.indexOf(field.partOf.name) : -1,
        maxBytes: requiredLimit(limit.maxBytes, shape === 'string', `${label} needs a maxBytes limit`),
        maxCount: requiredLimit(limit.maxCount, field.repeated, `${label} needs a maxCount limit`),
        enumValues: resolved instanceof protobuf.Enum ? new Set(Object.keys(resolved.valuesById).map(Number)) : undefined,
        message: resolved instanceof protobuf.Type ? compile(resolved) : undefined
      })
    })
    return plan
  }
  const compiled = roots.map(compile)
  const unused = Object.keys(limits).filter((label) => !used.has(label))
  if (unused.length > 0) throw new Error(`limits name fields that do not exist: ${unused.join(', ')}`)
  return compiled
}

function shapeOf (field: Field, label: string): Shape {
  if (field.map) throw new Error(`${label}: map fields are not supported by the wire scan`)
  let shape: Shape
  if (field.resolvedType instanceof protobuf.Type) shape = 'message'
  else if (field.resolvedType instanceof protobuf.Enum) shape = 'enum'
  else if (isBasicShape(field.type)) shape = field.type
  else throw new Error(`${label}: type ${field.type} is not supported by the wire scan`)
  if (field.repeated && wireTypeOf(shape) === VARINT) {
    throw new Error(`${label}: repeated scalars (packed encoding) are not supported by the wire scan`)
  }
  return shape
}

function isBasicShape (type: string): type is 'bool' | 'uint32' | 'uint64' | 'string' | 'bytes' {
  return type === 'bool' || type === 'uint32' || type === 'uint64' || type === 'string' || type === 'bytes'
}

function requiredLimit (value: number | undefined, required: boolean, problem: string): number {
  if (value !== undefined) return value
  if (required) throw new Error(problem)
  return Infinity
}

function wireTypeOf (shape: Shape): number {
  return shape === 'string' || shape === 'bytes' || shape === 'message' ? LENGTH_DELIMITED : VARINT
}

/** Throws MalformedMessageError unless `bytes` is a strictly valid encoding of `plan`'s message. */
export function scanMessage (plan: MessagePlan, bytes: Uint8Array): void {
  scanRange(plan, bytes, { pos: 0 }, bytes.length, 0)
}

interface Cursor {
  pos: number
}

function scanRange (plan: MessagePlan, bytes: Uint8Array, cursor: Cursor, end: number, depth: number): void {
  if (depth > MAX_DEPTH) throw malformed(`${plan.name} is nested more than ${MAX_DEPTH} levels deep`)
  const counts = new Array<number>(plan.fields.size).fill(0)
  const oneofMembers = new Array<FieldPlan | undefined>(plan.oneofs.length)
  while (cursor.pos < end) {
    const at = cursor.pos
    const tag = readVarint(bytes, cursor, end, 5, `a field tag of ${plan.name}`)
    const number = Math.floor(tag / 8)
    const wireType = tag % 8
    const field = plan.fields.get(number)
    if (!field) {
      throw malformed(
        `${plan.name} has no field ${number} (byte ${at}); unknown fields are rejected, ` +
          'so both peers must speak the same protocol version'
      )
    }
    if (wireType !== wireTypeOf(field.shape)) {
      throw malformed(`${field.label} arrived with wire type ${wireType}, but its type needs ${wireTypeOf(field.shape)}`)
    }
    const count = (counts[field.slot] ?? 0) + 1
    counts[field.slot] = count
    if (!field.repeated && count > 1) throw malformed(`${field.label} appears more than once`)
    if (count > field.maxCount) throw malformed(`${field.label} has more than ${field.maxCount} values`)
    if (field.oneof >= 0) {
      const other = oneofMembers[field.oneof]
      if (other && other !== field) {
        throw malformed(`${plan.name} sets both ${other.label} and ${field.label}, which exclude each other`)
      }
      oneofMembers[field.oneof] = field
    }
    if (wireType === VARINT) {
      checkScalar(field, readVarint(bytes, cursor, end, 10, field.label))
      continue
    }
    const length = readVarint(bytes, cursor, end, 5, `the length of ${field.label}`)
    if (length > end - cursor.pos) throw malformed(`${field.label} claims ${length} bytes but only ${end - cursor.pos} remain`)
    if (length > field.maxBytes) throw malformed(`${field.label} is ${length} bytes, over its ${field.maxBytes}-byte limit`)
    if (field.message) scanRange(field.message, bytes, cursor, cursor.pos + length, depth + 1)
    else cursor.pos += length
  }
}

/**
 * Reads an unsigned varint of at most `maxBytes` bytes. The value is exact up to 2^53 and only
 * compared against smaller bounds beyond that.
 */
function readVarint (bytes: Uint8Array, cursor: Cursor, end: number, maxBytes: number, what: string): number {
  let value = 0
  for (let index = 0; index < maxBytes; index++) {
    if (cursor.pos >= end) throw malformed(`${what} is cut off at byte ${cursor.pos}`)
    // In range: callers keep `end` within `bytes`.
    const byte = bytes[cursor.pos++]!
    value += (byte & 0x7f) * 2 ** (7 * index)
    if (byte < 0x80) return value
  }
  throw malformed(`${what} is a varint longer than ${maxBytes} bytes`)
}

function checkScalar (field: FieldPlan, value: number): void {
  switch (field.shape) {
    case 'bool':
      if (value > 1) throw malformed(`${field.label} is ${value}, but a bool is 0 or 1`)
      return
    case 'uint32':
      if (value > MAX_UINT32) throw malformed(`${field.label} is ${value}, beyond uint32`)
      return
    case 'uint64':
      if (value > Number.MAX_SAFE_INTEGER) throw malformed(`${field.label} is beyond 2^53 - 1, the largest exact JS number`)
      return
    case 'enum':
      if (!field.enumValues?.has(value)) throw malformed(`${field.label} is ${value}, which names no value of its enum`)
      return
    default:
      // Unreachable: only varint shapes pass the wire type check that precedes this.
      throw malformed(`${field.label} cannot be a varint`)
  }
}

function malformed (message: string): MalformedMessageError {
  return new MalformedMessageError(message)
}
