/**
 * Which units a pulling peer gets. Replicas of one unit go to distinct peers, and units
 * already started come before fresh ones so that started units finish early (results are
 * held in memory until a unit is accepted).
 */

export interface PlacementCandidate {
  /** Replicas this unit still needs beyond those already out. */
  need: number
  /** Peers that hold or held a lease on this unit, or returned a result for it. */
  peers: ReadonlySet<string>
}

/**
 * Picks up to `max` units for `peer`, at most one replica of each, among those `allowed`
 * (trust rules: a young peer never backs another young peer). `started` is scanned
 * whole (it is small: units in flight); `fresh` is read only as far as needed, so a pull
 * costs O(in-flight + max), not O(units in the job).
 */
export function pickForPeer<C extends PlacementCandidate> (started: Iterable<C>, fresh: Iterable<C>, peer: string, max: number, allowed: (c: C) => boolean = () => true): C[] {
  const picked: C[] = []
  if (max <= 0) return picked
  for (const source of [started, fresh]) {
    for (const c of source) {
      if (c.need <= 0 || c.peers.has(peer) || !allowed(c)) continue
      picked.push(c)
      if (picked.length >= max) return picked
    }
  }
  return picked
}
