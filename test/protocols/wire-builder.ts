/**
 * Hand-assembles protobuf wire bytes, independently of protobufjs, so tests can state exactly
 * what is on the wire: canonical encodings to compare against, and hostile ones to reject.
 */

export type Bytes = readonly number[]

const VARINT = 0
const LENGTH_DELIMITED = 2

/** Unsigned LEB128, as many bytes as the value needs. */
export function varint (value: number | bigint): Bytes {
  let rest = BigInt(value)
  const out: number[] = []
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80)
    rest >>= 7n
  }
  out.push(Number(rest))
  return out
}

export function tag (field: number, wireType: number): Bytes {
  return varint(field * 8 + wireType)
}

export function uint (field: number, value: number | bigint): Bytes {
  return [...tag(field, VARINT), ...varint(value)]
}

export function bytesField (field: number, value: Bytes | Uint8Array): Bytes {
  return [...tag(field, LENGTH_DELIMITED), ...varint(value.length), ...value]
}

export function text (field: number, value: string): Bytes {
  return bytesField(field, new TextEncoder().encode(value))
}

export function message (field: number, ...parts: Bytes[]): Bytes {
  return bytesField(field, parts.flat())
}

export function wire (...parts: Bytes[]): Uint8Array {
  return Uint8Array.from(parts.flat())
}
