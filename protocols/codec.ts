/**
 * Loads PeerGrid's `.proto` files with protobufjs when the module loads (no generated code) and
 * builds strict codecs on them: a size check, then the wire scan, then protobufjs.
 */
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import type { IConversionOptions, Type } from 'protobufjs'
import { FrameTooLargeError, MalformedMessageError } from './errors.ts'
import { compileWirePlans, scanMessage, type FieldLimits, type MessagePlan } from './wire.ts'

const PROTO_FILES = ['common.proto', 'jobs.proto', 'work.proto', 'announce.proto', 'admin.proto', 'reputation.proto']
const PACKAGE = 'peergrid'

const schema = protobuf.loadSync(PROTO_FILES.map((file) => fileURLToPath(new URL(`./${file}`, import.meta.url))))
schema.resolveAll()

/** Every field present with its default filled in, uint64 as a JS number, oneofs named. */
const PLAIN_OBJECT: IConversionOptions = { longs: Number, defaults: true, arrays: true, oneofs: true }

/** A message as protobufjs reads and writes it: camelCase fields, enums as numbers. */
export type ProtoObject = { readonly [field: string]: unknown }

export interface MessageCodec {
  /** Throws FrameTooLargeError or MalformedMessageError when peers would reject the result. */
  encode (message: ProtoObject): Uint8Array
  /** Throws FrameTooLargeError or MalformedMessageError, and nothing else, on bad input. */
  decode (bytes: Uint8Array): ProtoObject
}

/**
 * Builds a codec for each named message type of the `peergrid` package, each with its maximum
 * encoded size. `limits` must cover every string and repeated field the types reach.
 */
export function messageCodecs<const Name extends string> (
  maxFrameBytes: Readonly<Record<Name, number>>,
  limits: FieldLimits
): Readonly<Record<Name, MessageCodec>> {
  const names = Object.keys(maxFrameBytes) as Name[]
  const types = names.map((name) => schema.lookupType(`${PACKAGE}.${name}`))
  const plans = compileWirePlans(types, limits)
  const entries = names.map((name, index) => [name, messageCodec(types[index]!, plans[index]!, maxFrameBytes[name])])
  return Object.fromEntries(entries) as Record<Name, MessageCodec>
}

function messageCodec (type: Type, plan: MessagePlan, maxFrameBytes: number): MessageCodec {
  const checkSize = (size: number): void => {
    if (size <= maxFrameBytes) return
    throw new FrameTooLargeError(
      `${type.name} is ${size} bytes, over its ${maxFrameBytes}-byte limit; send less per message`,
      size,
      maxFrameBytes
    )
  }
  return {
    encode (message) {
      const bytes = type.encode(message).finish()
      checkSize(bytes.length)
      // Holds our own output to the limits every peer enforces, so a bug shows up here and not
      // as a MALFORMED reply from the other side.
      scanMessage(plan, bytes)
      return bytes
    },
    decode (bytes) {
      checkSize(bytes.length)
      scanMessage(plan, bytes)
      let decoded: protobuf.Message
      try {
        decoded = type.decode(bytes)
      } catch (cause) {
        // After the scan, what is left to fail here is content such as invalid UTF-8 in a string.
        const reason = cause instanceof Error ? cause.message : String(cause)
        throw new MalformedMessageError(`${type.name} did not decode: ${reason}`, { cause })
      }
      return type.toObject(decoded, PLAIN_OBJECT)
    }
  }
}

/** Maps a proto enum to a TypeScript string union whose members are the enum's value names. */
export interface EnumCodec<Name extends string> {
  toWire (name: Name, label: string): number
  /** Zero, the UNSPECIFIED value, means the field was not sent and is rejected. */
  fromWire (value: number, label: string): Name
}

/**
 * `names` lists every non-zero value of the enum. A mismatch with the `.proto` file throws at
 * load time, so the TypeScript union cannot drift from the schema.
 */
export function enumCodec<const Name extends string> (enumName: string, names: readonly Name[]): EnumCodec<Name> {
  const type = schema.lookupEnum(`${PACKAGE}.${enumName}`)
  const protoNames = Object.keys(type.values).filter((name) => type.values[name] !== 0)
  const tsNames = new Set<string>(names)
  if (protoNames.length !== tsNames.size || !protoNames.every((name) => tsNames.has(name))) {
    throw new Error(`${enumName}: TypeScript names [${[...tsNames]}] differ from the .proto names [${protoNames}]`)
  }
  return {
    toWire (name, label) {
      const value = Object.hasOwn(type.values, name) ? type.values[name] : undefined
      if (value === undefined || value === 0) {
        throw new MalformedMessageError(`${label} is ${JSON.stringify(name)}, which is not a ${type.name}`)
      }
      return value
    },
    fromWire (value, label) {
      if (value === 0) throw new MalformedMessageError(`${label} is missing`)
      const name = type.valuesById[value]
      if (name === undefined || !tsNames.has(name)) {
        throw new MalformedMessageError(`${label} is ${value}, which names no ${type.name}`)
      }
      return name as Name
    }
  }
}
