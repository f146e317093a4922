// Formatting for people: short peer ids, relative times, durations, numbers.

/** 12D3KooWAbc…xyz123: enough to tell peers apart, the full id is in the title. */
export function shortId (id, head = 10, tail = 6) {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`
}

export function duration (ms) {
  if (ms == null || !Number.isFinite(ms)) return '—'
  const s = Math.max(0, ms) / 1000
  if (s < 10) return `${s.toFixed(1)} s`
  if (s < 60) return `${Math.round(s)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`
  const h = Math.floor(m / 60)
  return `${h} h ${m % 60} min`
}

export function ago (ms, now = Date.now()) {
  if (ms == null) return '—'
  const s = Math.round((now - ms) / 1000)
  if (s < 3) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
}

export function clock (ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

export function dateTime (ms) {
  if (ms == null) return '—'
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

const integer = new Intl.NumberFormat('en-US')
export const count = (n) => integer.format(n)

export function rate (n) {
  return n >= 100 ? count(Math.round(n)) : n.toFixed(n >= 10 ? 1 : n > 0 ? 2 : 0)
}

/** Score bands follow the reputation rules: trusted peers keep ≥ 0.7, bans fall under 0.15. */
export function scoreBand (score) {
  return score >= 0.7 ? 'high' : score >= 0.15 ? 'mid' : 'low'
}

/** A multiaddr without its trailing /p2p/<peer id>: the id is shown on its own. */
export function hostAddress (address) {
  return address.replace(/\/p2p\/[^/]+$/, '')
}

export function percent (fraction) {
  return `${Math.floor(fraction * 1000) / 10}%`
}

/** Credit in reference core-seconds: whole numbers when large, a few decimals when small. */
export function credit (n) {
  if (n == null || !Number.isFinite(n)) return '—'
  return n >= 1000 ? integer.format(Math.round(n)) : n.toFixed(n >= 1 ? 2 : 3)
}
