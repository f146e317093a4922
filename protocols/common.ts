/** The status enum of `common.proto` and the reply shape every request/response protocol shares. */
import { enumCodec, type ProtoObject } from './codec.ts'
import { MalformedMessageError } from './errors.ts'
import { getNumber, getString } from './fields.ts'

/** Every status a reply can carry; `STATUS_UNSPECIFIED` never travels, so it is not one. */
export const STATUSES = [
  'OK',
  'MALFORMED',
  'FRAME_TOO_LARGE',
  'UNKNOWN_JOB',
  'INVALID_SPEC',
  'NOT_FOUND',
  'BANNED',
  'UNSUPPORTED',
  'INTERNAL',
  'NO_WORK',
  'LEASE_EXPIRED',
  'UNKNOWN_LEASE',
  'DUPLICATE',
  'NOT_READY',
  'BUSY',
  'UNAUTHORIZED'
] as const

export type Status = (typeof STATUSES)[number]
export type ErrorStatus = Exclude<Status, 'OK'>

export const statusCodec = enumCodec('Status', STATUSES)

/**
 * A reply: OK with exactly one body, or an error status with a message and no body. Narrow on
 * `status === 'OK'` to reach the body.
 */
export type Reply<Body> =
  | { readonly status: 'OK'; readonly message: string; readonly body: Body }
  | { readonly status: ErrorStatus; readonly message: string }

export function okReply<Body> (body: Body, message = ''): Reply<Body> {
  return { status: 'OK', message, body }
}

export function errorReply (status: ErrorStatus, message: string): Reply<never> {
  return { status, message }
}

/**
 * Writes the status and message and, for an OK reply, the body's oneof member. Throws
 * MalformedMessageError when an OK reply lacks a body or an error reply has one.
 */
export function replyToWire<Body> (reply: Reply<Body>, label: string, bodyToWire: (body: Body) => ProtoObject): ProtoObject {
  const wire = { status: statusCodec.toWire(reply.status, `${label}.status`), message: reply.message }
  if (reply.status === 'OK') {
    if (reply.body === undefined || reply.body === null) throw new MalformedMessageError(`${label} is OK but has no body`)
    return { ...wire, ...bodyToWire(reply.body) }
  }
  if ('body' in reply && reply.body !== undefined) {
    throw new MalformedMessageError(`${label} has status ${reply.status} and a body; only OK replies carry one`)
  }
  return wire
}

/** Reads a reply, with `bodyFromWire` returning undefined when no body member was sent. */
export function replyFromWire<Body> (
  wire: ProtoObject,
  label: string,
  bodyFromWire: (wire: ProtoObject) => Body | undefined
): Reply<Body> {
  const status = statusCodec.fromWire(getNumber(wire, 'status'), `${label}.status`)
  const message = getString(wire, 'message')
  const body = bodyFromWire(wire)
  if (status === 'OK') {
    if (body === undefined) throw new MalformedMessageError(`${label} is OK but has no body`)
    return { status, message, body }
  }
  if (body !== undefined) {
    throw new MalformedMessageError(`${label} has status ${status} and a body; only OK replies carry one`)
  }
  return { status, message }
}
