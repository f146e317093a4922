// Hash routes, so the server serves one page and any view can be bookmarked.
import { useEffect, useState } from 'preact/hooks'

export function parseRoute (hash) {
  const parts = hash.replace(/^#/, '').split('/').filter((p) => p !== '')
  let decoded
  try {
    decoded = parts.map(decodeURIComponent)
  } catch {
    return { name: 'not-found' }
  }
  const [section, id] = decoded
  if (section == null) return { name: 'overview' }
  if (section === 'peers' && decoded.length <= 2) return id == null ? { name: 'peers' } : { name: 'peer', id }
  if (section === 'jobs' && decoded.length <= 2) return id == null ? { name: 'jobs' } : { name: 'job', id }
  return { name: 'not-found' }
}

export const href = {
  overview: '#/',
  peers: '#/peers',
  peer: (id) => `#/peers/${encodeURIComponent(id)}`,
  jobs: '#/jobs',
  job: (id) => `#/jobs/${encodeURIComponent(id)}`
}

export function useRoute () {
  const [route, setRoute] = useState(parseRoute(location.hash))
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash))
      window.scrollTo(0, 0)
    }
    addEventListener('hashchange', onChange)
    return () => removeEventListener('hashchange', onChange)
  }, [])
  return route
}
