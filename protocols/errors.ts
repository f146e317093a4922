import type { ErrorStatus } from './common.ts'

/**
 * A frame violates a PeerGrid wire format. Protocol handlers catch this base class, reply with
 * `status` (never a stack trace) and close the stream; the process carries on.
 */
export abstract class ProtocolError extends Error {
  abstract readonly status: ErrorStatus
}

/** The bytes do not form a valid message: unknown field, wrong type, missing part, value over a limit. */
export class MalformedMessageError extends ProtocolError {
  override readonly name = 'MalformedMessageError'
  readonly status = 'MALFORMED'
}

/** A frame is larger than its protocol allows; raised before the frame is buffered. */
export class FrameTooLargeError extends ProtocolError {
  override readonly name = 'FrameTooLargeError'
  readonly status = 'FRAME_TOO_LARGE'
  /** Size of the frame in bytes; a lower bound when the length prefix was still arriving. */
  readonly size: number
  readonly limit: number

  constructor (message: string, size: number, limit: number) {
    super(message)
    this.size = size
    this.limit = limit
  }
}
