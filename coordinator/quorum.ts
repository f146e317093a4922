/**
 * Quorum validation of one unit (BOINC-style): results are grouped by the digest of their
 * canonical bytes; a group backed by `quorum` distinct peers is accepted. Pure, so every
 * rule is pinned by a table-driven test.
 */

export interface ReportedResult {
  peer: string
  /** Digest of the canonical output bytes; absent for results that were errors. */
  digest?: string
}

export interface QuorumRule {
  quorum: number
  /** Results (errors included) a unit may collect before it is marked failed. */
  maxResults: number
}

export type QuorumVerdict =
  | { verdict: 'accept', digest: string, peers: string[] }
  /** `more`: replicas still to issue beyond those already out. */
  | { verdict: 'pending', more: number }
  | { verdict: 'fail', reason: string }

/** Groups successful results by digest, one vote per peer (a peer's first result counts). */
export function groupByDigest (results: readonly ReportedResult[]): Map<string, string[]> {
  const groups = new Map<string, string[]>()
  const voted = new Set<string>()
  for (const r of results) {
    if (r.digest == null || voted.has(r.peer)) continue
    voted.add(r.peer)
    const peers = groups.get(r.digest)
    if (peers == null) groups.set(r.digest, [r.peer])
    else peers.push(r.peer)
  }
  return groups
}

export function evaluateQuorum (results: readonly ReportedResult[], outstanding: number, rule: QuorumRule): QuorumVerdict {
  const groups = groupByDigest(results)
  let best: [string, string[]] | undefined
  for (const entry of groups) {
    if (best == null || entry[1].length > best[1].length) best = entry
  }
  if (best != null && best[1].length >= rule.quorum) {
    return { verdict: 'accept', digest: best[0], peers: best[1] }
  }
  const missing = rule.quorum - (best?.[1].length ?? 0)
  const budget = rule.maxResults - results.length - outstanding
  if (results.length >= rule.maxResults || (budget <= 0 && outstanding === 0)) {
    return { verdict: 'fail', reason: `no ${rule.quorum} matching results among ${results.length} (limit ${rule.maxResults})` }
  }
  return { verdict: 'pending', more: Math.max(0, Math.min(missing - outstanding, budget)) }
}
