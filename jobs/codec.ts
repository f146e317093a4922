/**
 * Shared plumbing for job kinds: canonical JSON bytes for outputs, strict decoding of bytes
 * and payloads that came from unknown peers, and the wording of `check()` messages.
 *
 * Replicas of a unit are compared byte for byte, so an output must have exactly one
 * encoding: object keys are sorted and the decoder refuses any other spelling of the same
 * value. Otherwise a peer could make honest results look like disagreement.
 */
import type { Json } from './kind.ts'

/** A decoded JSON object whose fields have not been checked yet. */
export type JsonRecord = Record<string, unknown>

/** Outputs of the JSON kinds are a few dozen bytes; anything far larger is an attack. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** JSON text with object keys in code-unit order at every depth, no whitespace. */
export function canonicalJson (value: Json): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    // JSON has no NaN or Infinity; JSON.stringify would silently write null.
    if (!Number.isFinite(value)) throw new RangeError(`cannot encode non-finite number ${value} as JSON`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`).join(',')}}`
}

/** UTF-8 bytes of {@link canonicalJson}. */
export function encodeCanonicalJson (value: Json): Uint8Array {
  return utf8Encoder.encode(canonicalJson(value))
}

/**
 * Decodes untrusted bytes that must hold one canonical JSON object, then hands the object
 * to `check`, which validates every field and builds the typed value. Throws an Error that
 * says what was wrong for oversized input, invalid UTF-8, malformed JSON, a non-object, or
 * a non-canonical spelling.
 */
export function decodeJsonObject<T> (bytes: Uint8Array, check: (record: JsonRecord) => T, maxBytes = DEFAULT_MAX_JSON_BYTES): T {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('output: must be a Uint8Array')
  if (bytes.length > maxBytes) throw new Error(`output: ${bytes.length} bytes exceeds the limit of ${maxBytes}`)
  let text: string
  try {
    text = utf8Decoder.decode(bytes)
  } catch {
    throw new Error('output: not valid UTF-8')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`output: not valid JSON (${(err as Error).message})`)
  }
  if (!isPlainRecord(parsed)) throw new Error(`output: must be a JSON object (got ${describeValue(parsed)})`)
  if (canonicalJson(parsed as Json) !== text) throw new Error('output: not in canonical form (sorted keys, no whitespace)')
  return check(parsed)
}

function isPlainRecord (value: unknown): value is JsonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Requires `value` to be a plain object whose keys are all in `required` or `optional`
 * and that has every key in `required`. `path` names it in messages (`unit`, `output`).
 */
export function readRecord (value: unknown, path: string, required: readonly string[], optional: readonly string[] = []): JsonRecord {
  if (!isPlainRecord(value)) throw new Error(`${path}: must be an object (got ${describeValue(value)})`)
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) throw new Error(`${path}.${key}: unexpected field`)
  }
  for (const key of required) {
    if (!Object.hasOwn(value, key)) throw new Error(`${path}.${key}: missing`)
  }
  return value
}

/** A safe integer in [min, max]. */
export function readInteger (record: JsonRecord, key: string, path: string, min: number, max: number): number {
  const value = record[key]
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new Error(`${path}.${key}: must be an integer (got ${describeValue(value)})`)
  }
  if (value < min || value > max) throw new Error(`${path}.${key}: must be in [${min}, ${max}] (got ${value})`)
  return value
}

/** A finite number in [min, max]; `exclusiveMin` makes the lower bound open. */
export function readNumber (record: JsonRecord, key: string, path: string, min: number, max: number, exclusiveMin = false): number {
  const value = record[key]
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path}.${key}: must be a finite number (got ${describeValue(value)})`)
  }
  if (value < min || value > max || (exclusiveMin && value === min)) {
    throw new Error(`${path}.${key}: must be in ${exclusiveMin ? '(' : '['}${min}, ${max}] (got ${value})`)
  }
  return value
}

/** A well-formed (no lone surrogates) string of minLength..maxLength UTF-16 code units. */
export function readString (record: JsonRecord, key: string, path: string, minLength: number, maxLength: number): string {
  const value = record[key]
  if (typeof value !== 'string') throw new Error(`${path}.${key}: must be a string (got ${describeValue(value)})`)
  if (value.length < minLength || value.length > maxLength) {
    throw new Error(`${path}.${key}: length must be in [${minLength}, ${maxLength}] (got ${value.length})`)
  }
  if (!value.isWellFormed()) throw new Error(`${path}.${key}: contains a lone surrogate`)
  return value
}

/** `params.<field>: <problem> (<given>)`, the form every `check()` message takes. */
export function paramIssue (field: string, problem: string, given: string): string {
  return `params.${field}: ${problem} (${given})`
}

/**
 * The messages about the unit count that every kind shares: `units` must be an integer in
 * [1, max], where `max` is the most units the params can be cut into.
 */
export function checkUnitCount (units: number, max: number): string[] {
  if (!Number.isSafeInteger(units) || units < 1) return [`units: must be an integer of at least 1 (got ${describeValue(units)})`]
  if (units > max) return [`units: must be at most ${max} for these params (got ${units})`]
  return []
}

/** A short, safe rendering of a hostile value for an error message. */
export function describeValue (value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function' || typeof value === 'symbol') return typeof value
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = Object.prototype.toString.call(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
