// The live state of the dashboard: a snapshot from the JSON API, kept current by the
// server's event stream. A (re)connected stream always reloads the snapshot first, so
// nothing that happened while it was down is missed.
import { useEffect, useState } from 'preact/hooks'
import { getJSON } from './api.js'

const WINDOW = 300

function createLive () {
  let state = { status: 'connecting', peers: new Map(), jobs: new Map(), stats: null, throughput: [], loaded: false, admin: false }
  const listeners = new Set()
  const set = (patch) => {
    state = { ...state, ...patch }
    for (const listener of listeners) listener(state)
  }

  async function snapshot () {
    const [peers, jobs, stats] = await Promise.all([getJSON('/api/peers'), getJSON('/api/jobs'), getJSON('/api/stats')])
    set({
      peers: new Map(peers.map((p) => [p.id, p])),
      jobs: new Map(jobs.map((j) => [j.id, j])),
      stats,
      throughput: stats.throughput.samples,
      loaded: true,
      status: 'live'
    })
  }

  function apply (update) {
    const patch = {}
    if (update.peers != null) {
      const peers = new Map(state.peers)
      for (const p of update.peers) peers.set(p.id, p)
      patch.peers = peers
    }
    if (update.jobs != null) {
      const jobs = new Map(state.jobs)
      for (const j of update.jobs) jobs.set(j.id, j)
      patch.jobs = jobs
    }
    if (update.stats != null) patch.stats = { ...state.stats, ...update.stats }
    if (update.sample != null) patch.throughput = [...state.throughput, update.sample].slice(-WINDOW)
    set(patch)
  }

  function connect () {
    const source = new EventSource('/api/events')
    source.addEventListener('open', () => {
      snapshot().catch(() => { set({ status: 'offline' }) })
    })
    source.addEventListener('error', () => {
      set({ status: source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting' })
    })
    source.addEventListener('update', (event) => { apply(JSON.parse(event.data)) })
  }

  return {
    get: () => state,
    subscribe (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    connect,
    setAdmin (admin) { set({ admin }) },
    /** Merges one peer (e.g. the answer to a ban) before the stream brings it. */
    putPeer (peer) { apply({ peers: [peer] }) }
  }
}

export const live = createLive()

export function useLive () {
  const [state, setState] = useState(live.get())
  useEffect(() => live.subscribe(setState), [])
  return state
}

/** Re-renders every `ms` so that relative times ("12 s ago") stay true. */
export function useNow (ms = 5000) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}
