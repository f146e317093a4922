// The JSON API, and the admin token: kept in sessionStorage, so it lives as long as the tab.

const TOKEN_KEY = 'peergrid.adminToken'

export class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => { sessionStorage.setItem(TOKEN_KEY, token) },
  clear: () => { sessionStorage.removeItem(TOKEN_KEY) }
}

async function request (method, path, token) {
  const headers = { Accept: 'application/json' }
  if (token != null) headers.Authorization = `Bearer ${token}`
  const res = await fetch(path, { method, headers, cache: 'no-store' })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${method} ${path} answered ${res.status}`)
  return body
}

export const getJSON = (path) => request('GET', path)

/** Whether `token` is this coordinator's admin token. */
export async function checkToken (token) {
  const { admin } = await request('GET', '/api/session', token)
  return admin === true
}

export async function setBanned (peerId, banned) {
  return await request('POST', `/api/peers/${encodeURIComponent(peerId)}/${banned ? 'ban' : 'unban'}`, adminToken.get())
}
