/**
 * Edits that turn a valid encoding into a hostile one: bit flips, overwritten bytes,
 * truncation, insertions, deletions, duplicated runs, splices with another message, and
 * changed length prefixes. Mutations are plain data so that a failing case prints what was
 * done to which message, and `applyMutation` is pure so that it replays exactly.
 */
import fc from 'fast-check'

export type Mutation =
  | { readonly op: 'flip', readonly at: number, readonly bit: number }
  | { readonly op: 'set', readonly at: number, readonly byte: number }
  | { readonly op: 'truncate', readonly at: number }
  | { readonly op: 'insert', readonly at: number, readonly bytes: Uint8Array }
  | { readonly op: 'delete', readonly at: number, readonly count: number }
  | { readonly op: 'duplicate', readonly at: number, readonly count: number, readonly to: number }
  | { readonly op: 'splice', readonly at: number, readonly other: Uint8Array, readonly from: number }
  /** Changes the `which`-th length prefix (nested ones included) by `delta`, or sets it to `set`. */
  | { readonly op: 'length', readonly which: number, readonly delta: number, readonly set?: number }

const position = fc.nat({ max: 1 << 20 })

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(0x00, 0x01, 0x07, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0xff), fc.integer({ min: 0, max: 255 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position, count: fc.integer({ min: 1, max: 32 }), to: position }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), at: position, other: fc.uint8Array({ maxLength: 64 }), from: position }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('length' as const),
      which: fc.nat({ max: 64 }),
      delta: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -1000, max: 1000 })),
      set: fc.option(fc.constantFrom(0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 20, 0xffff_ffff, 2 ** 35), { nil: undefined })
    }, { requiredKeys: ['op', 'which', 'delta'] })
  }
)

/** A splice partner can be another valid encoding: pairs the mutation with one when it wants it. */
export function withPartner (mutation: Mutation, partner: Uint8Array | undefined): Mutation {
  return mutation.op === 'splice' && partner != null ? { ...mutation, other: partner } : mutation
}

export function applyMutations (bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  return mutations.reduce(applyMutation, bytes)
}

export function applyMutation (bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length
  const inside = (at: number): number => n === 0 ? 0 : at % n
  const between = (at: number): number => at % (n + 1)
  switch (m.op) {
    case 'flip': {
      if (n === 0) return bytes
      const out = bytes.slice()
      out[inside(m.at)]! ^= 1 << m.bit
      return out
    }
    case 'set': {
      if (n === 0) return Uint8Array.of(m.byte)
      const out = bytes.slice()
      out[inside(m.at)] = m.byte
      return out
    }
    case 'truncate':
      return bytes.slice(0, between(m.at))
    case 'insert':
      return concat(bytes.subarray(0, between(m.at)), m.bytes, bytes.subarray(between(m.at)))
    case 'delete': {
      const at = between(m.at)
      return concat(bytes.subarray(0, at), bytes.subarray(at + m.count))
    }
    case 'duplicate': {
      const at = inside(m.at)
      const run = bytes.subarray(at, at + m.count)
      const to = between(m.to)
      return concat(bytes.subarray(0, to), run, bytes.subarray(to))
    }
    case 'splice':
      return concat(bytes.subarray(0, between(m.at)), m.other.subarray(m.from % (m.other.length + 1)))
    case 'length': {
      const prefixes = lengthPrefixes(bytes)
      if (prefixes.length === 0) return bytes
      const { offset, size, value } = prefixes[m.which % prefixes.length]!
      const changed = m.set ?? Math.max(0, value + m.delta)
      return concat(bytes.subarray(0, offset), varint(changed), bytes.subarray(offset + size))
    }
  }
}

export interface LengthPrefix { readonly offset: number, readonly size: number, readonly value: number }

/**
 * Where the length prefixes of length-delimited fields sit in a protobuf encoding, walking
 * into every field whose body itself parses as a message. Encodings that do not parse yield
 * the prefixes found before the fault.
 */
export function lengthPrefixes (bytes: Uint8Array, base = 0, depth = 0, found: LengthPrefix[] = []): LengthPrefix[] {
  let at = 0
  while (at < bytes.length) {
    const tag = readVarint(bytes, at)
    if (tag == null || tag.value === 0) return found
    at += tag.size
    switch (tag.value % 8) {
      case 0: {
        const v = readVarint(bytes, at)
        if (v == null) return found
        at += v.size
        break
      }
      case 1: at += 8; break
      case 5: at += 4; break
      case 2: {
        const len = readVarint(bytes, at)
        if (len == null || at + len.size + len.value > bytes.length) return found
        found.push({ offset: base + at, size: len.size, value: len.value })
        const body = bytes.subarray(at + len.size, at + len.size + len.value)
        if (depth < 8 && parsesAsMessage(body)) lengthPrefixes(body, base + at + len.size, depth + 1, found)
        at += len.size + len.value
        break
      }
      default: return found
    }
  }
  return found
}

function parsesAsMessage (bytes: Uint8Array): boolean {
  let at = 0
  while (at < bytes.length) {
    const tag = readVarint(bytes, at)
    if (tag == null || tag.value < 8) return false
    at += tag.size
    const type = tag.value % 8
    if (type === 0) {
      const v = readVarint(bytes, at)
      if (v == null) return false
      at += v.size
    } else if (type === 1) at += 8
    else if (type === 5) at += 4
    else if (type === 2) {
      const len = readVarint(bytes, at)
      if (len == null) return false
      at += len.size + len.value
    } else return false
  }
  return at === bytes.length && bytes.length > 0
}

function readVarint (bytes: Uint8Array, at: number): { value: number, size: number } | undefined {
  let value = 0
  for (let i = 0; i < 10 && at + i < bytes.length; i++) {
    const byte = bytes[at + i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if (byte < 0x80) return { value, size: i + 1 }
  }
  return undefined
}

export function varint (value: number): Uint8Array {
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
