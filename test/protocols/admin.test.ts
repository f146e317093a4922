import { describe, expect, it } from '@jest/globals'
import { decodeAdminResponse, encodeAdminResponse, type AdminResponse, type PeerInfo } from '../../protocols/admin.ts'
import { MAX_CREDIT_MILLI } from '../../protocols/constants.ts'
import { MalformedMessageError } from '../../protocols/errors.ts'
import { expectThrows } from './expect-error.ts'
import { message, text, uint, wire } from './wire-builder.ts'

const OK = 1

const peer: PeerInfo = {
  id: 'peer-a', address: '', state: 'trusted', score: 0.5, valid: 3, invalid: 0, errors: 0, timeouts: 0,
  spotPassed: 1, spotFailed: 0, firstSeenMs: 1_700_000_000_000, lastSeenMs: 1_700_000_000_500, credit: 12.345
}

describe('AdminResponse credit', () => {
  it('carries the largest credit it accepts exactly', () => {
    const response: AdminResponse = { status: 'OK', message: '', body: { type: 'banSet', peer: { ...peer, credit: MAX_CREDIT_MILLI / 1000 } } }
    expect(decodeAdminResponse(encodeAdminResponse(response))).toEqual(response)
  })

  // Found by `npm run fuzz`: above 2^51 thousandths, thousandths / 1000 can re-encode as a neighbour (this one as …990).
  it('refuses credit that would not re-encode as sent', () => {
    const bytes = wire(uint(1, OK), message(4, message(1, text(1, 'peer-a'), uint(13, 4_485_313_845_146_989))))
    expectThrows(() => decodeAdminResponse(bytes), MalformedMessageError, `PeerInfo.creditMilli must be an integer from 0 to ${MAX_CREDIT_MILLI}`)
  })

  it('refuses to encode credit past that limit', () => {
    const response: AdminResponse = { status: 'OK', message: '', body: { type: 'peers', peers: [{ ...peer, credit: (MAX_CREDIT_MILLI + 1) / 1000 }] } }
    expectThrows(() => encodeAdminResponse(response), MalformedMessageError, 'PeerInfo.creditMilli must be an integer from 0')
  })
})
