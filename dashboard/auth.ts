/**
 * Admin authorisation for the dashboard: `Authorization: Bearer <admin token>`. Without the
 * token the dashboard is read-only. Bearer headers are never sent by a browser on its own,
 * so a page on another origin cannot ban peers through a logged-in operator's browser.
 */
import { timingSafeEqual } from 'node:crypto'

export function bearerToken (authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')
  return match?.[1]
}

/** Compares in constant time so that response timing does not leak the token. */
export function isAdmin (authorization: string | undefined, adminToken: string): boolean {
  const given = bearerToken(authorization)
  if (given == null || adminToken === '') return false
  const a = Buffer.from(given)
  const b = Buffer.from(adminToken)
  return a.length === b.length && timingSafeEqual(a, b)
}
