/**
 * Typed access to decoded protobuf objects, and the semantic checks that the wire format alone
 * cannot express (an id must not be empty, a count must fit its field).
 *
 * The readers' type checks guard against schema and code drifting apart: after the wire scan,
 * protobufjs always produces the types the schema declares.
 */
import type { ProtoObject } from './codec.ts'
import { MalformedMessageError } from './errors.ts'

const MAX_UINT32 = 0xffff_ffff

export function getString (object: ProtoObject, field: string): string {
  return asString(object[field], field)
}

export function getNumber (object: ProtoObject, field: string): number {
  const value = object[field]
  if (typeof value !== 'number') throw wrongType(field, 'a number', value)
  return value
}

/** For proto3 `optional` scalars: undefined when the field was not sent. */
export function getOptionalNumber (object: ProtoObject, field: string): number | undefined {
  return object[field] === undefined || object[field] === null ? undefined : getNumber(object, field)
}

export function getBool (object: ProtoObject, field: string): boolean {
  const value = object[field]
  if (typeof value !== 'boolean') throw wrongType(field, 'a boolean', value)
  return value
}

export function getBytes (object: ProtoObject, field: string): Uint8Array {
  return asBytes(object[field], field)
}

export function getObject (object: ProtoObject, field: string): ProtoObject {
  return asObject(object[field], field)
}

export function getList<T> (object: ProtoObject, field: string, read: (item: unknown, field: string) => T): T[] {
  const value = object[field]
  if (!Array.isArray(value)) throw wrongType(field, 'a list', value)
  return value.map((item: unknown) => read(item, field))
}

/** The name of the oneof member that was sent, or undefined when none was. */
export function getOneofCase (object: ProtoObject, oneof: string): string | undefined {
  const value = object[oneof]
  return typeof value === 'string' ? value : undefined
}

export function asString (value: unknown, field: string): string {
  if (typeof value !== 'string') throw wrongType(field, 'a string', value)
  return value
}

/** Returns a plain Uint8Array view (protobufjs hands out Buffers in Node) sharing the frame's memory. */
export function asBytes (value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw wrongType(field, 'bytes', value)
  return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

export function asObject (value: unknown, field: string): ProtoObject {
  if (typeof value !== 'object' || value === null) throw wrongType(field, 'a message', value)
  return value as ProtoObject
}

function wrongType (field: string, expected: string, value: unknown): MalformedMessageError {
  return new MalformedMessageError(`${field} should be ${expected} but is ${typeof value}`)
}

export function requireNonEmpty (value: string | Uint8Array, label: string): void {
  if (value.length === 0) throw new MalformedMessageError(`${label} must not be empty`)
}

export function requireRange (value: number, min: number, max: number, label: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MalformedMessageError(`${label} must be an integer from ${min} to ${max}, not ${value}`)
  }
}

export function requireUint32 (value: number, label: string): void {
  requireRange(value, 0, MAX_UINT32, label)
}

/** uint64 fields travel as JS numbers, so they stop at the largest exact one. */
export function requireUint64 (value: number, label: string): void {
  requireRange(value, 0, Number.MAX_SAFE_INTEGER, label)
}
