import { describe, expect, it } from '@jest/globals'
import { bearerToken, isAdmin } from '../../dashboard/auth.ts'

describe('bearerToken', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['Basic YWxhZGRpbjpvcGVuc2VzYW1l', undefined],
    ['abc', undefined]
  ])('%p → %p', (header, token) => {
    expect(bearerToken(header)).toBe(token)
  })
})

describe('isAdmin', () => {
  it.each([
    ['Bearer s3cret', 's3cret', true],
    ['Bearer s3cret', 's3cre', false],
    ['Bearer s3cre', 's3cret', false],
    ['Bearer S3CRET', 's3cret', false],
    [undefined, 's3cret', false],
    // A coordinator without a token is never unlocked by an empty one.
    ['Bearer ', '', false]
  ])('%p with token %p → %p', (header, token, admin) => {
    expect(isAdmin(header, token)).toBe(admin)
  })
})
