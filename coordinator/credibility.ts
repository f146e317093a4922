/**
 * Credibility-based validation (Sarmenta, "Sabotage-tolerance mechanisms for volunteer
 * computing"). A peer's credibility is the probability that its result is right, derived from
 * its verified history; a result group is accepted when the probability that it is the right
 * one reaches 1 − ε. Votes that are not independent (same network, young peers, peers caught
 * agreeing on a wrong answer before) are merged into one. Pure functions, table-tested.
 */
import { groupByDigest, type QuorumVerdict, type ReportedResult } from './quorum.ts'

export interface PeerHistory {
  /** Results that agreed with an accepted answer, and spot-checks passed. */
  verified: number
  /** Results proven wrong (lost votes, failed spot-checks). */
  invalid?: number
  banned: boolean
}

export interface Vote {
  peer: string
  credibility: number
  /** Peers on one network (an IPv4 /24, an IPv6 /48) are not independent. */
  network: string
  /** Too little history to count as an independent witness. */
  young: boolean
  /** Its observed rate of accidental errors (see observedErrorRate); 1 when unknown. */
  errorRate?: number
}

export interface CredibilityRule {
  /** ε: acceptable probability that an accepted result is wrong. */
  errorRate: number
  /** f: assumed worst-case fraction of malicious peers. */
  maxMaliciousFraction: number
  /** Independent agreeing votes needed at least, whatever their credibility. */
  minQuorum: number
  /** Results (errors included) a unit may collect before it fails. */
  maxReplicas: number
}

/**
 * Sarmenta's bound with blacklisting: a saboteur that survived k verifications has had its
 * wrong results caught with probability that leaves at most f / ((1 − f) · e · k) of them
 * wrong. A newcomer is worth 1 − f; a banned peer nothing.
 */
export function peerCredibility (history: PeerHistory, f: number): number {
  if (history.banned) return 0
  const newcomer = 1 - f
  if (history.verified <= 0) return newcomer
  return Math.max(newcomer, 1 - f / ((1 - f) * Math.E * history.verified))
}

/**
 * How often a peer's results are wrong by accident, as far as its record shows (Laplace: an
 * unblemished record of n results still admits 1 / (n + 2)). Random hardware errors never agree
 * with each other, so this matters only when one peer's result would be accepted alone.
 */
export function observedErrorRate (history: PeerHistory): number {
  const invalid = history.invalid ?? 0
  return (invalid + 1) / (history.verified + invalid + 2)
}

/**
 * Merges votes that are not independent into clusters: same network, both young, or a pair
 * known to have colluded. A cluster votes once, with the credibility of its best member.
 */
export function independentVotes (votes: readonly Vote[], colluded: (a: string, b: string) => boolean = () => false): Vote[][] {
  const parent = votes.map((_, i) => i)
  const find = (i: number): number => { while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!; return i }
  for (let i = 0; i < votes.length; i++) {
    for (let j = i + 1; j < votes.length; j++) {
      const a = votes[i]!
      const b = votes[j]!
      if (a.network === b.network || (a.young && b.young) || colluded(a.peer, b.peer)) parent[find(i)] = find(j)
    }
  }
  const clusters = new Map<number, Vote[]>()
  votes.forEach((v, i) => {
    const root = find(i)
    const list = clusters.get(root)
    if (list == null) clusters.set(root, [v])
    else list.push(v)
  })
  return [...clusters.values()]
}

const clusterCredibility = (cluster: readonly Vote[]): number => Math.max(...cluster.map((v) => v.credibility))

/**
 * Probability that each group holds the right answer, given the clusters backing every group:
 * one group right (or none), each cluster right independently with its credibility.
 */
export function groupProbabilities (groups: ReadonlyMap<string, readonly number[]>): Map<string, number> {
  // Work in logs: hundreds of factors near 0 or 1 underflow a plain product.
  const logGood = new Map<string, number>()
  const logBad = new Map<string, number>()
  let allBad = 0
  for (const [digest, creds] of groups) {
    let good = 0
    let bad = 0
    for (const c of creds) {
      good += Math.log(Math.max(c, 1e-300))
      bad += Math.log(Math.max(1 - c, 1e-300))
    }
    logGood.set(digest, good)
    logBad.set(digest, bad)
    allBad += bad
  }
  const logWeights = new Map<string, number>()
  for (const digest of groups.keys()) logWeights.set(digest, logGood.get(digest)! + allBad - logBad.get(digest)!)
  const max = Math.max(allBad, ...logWeights.values())
  let total = Math.exp(allBad - max)
  for (const w of logWeights.values()) total += Math.exp(w - max)
  return new Map([...logWeights].map(([d, w]) => [d, Math.exp(w - max) / total]))
}

/**
 * A digest the job kind's own cheap check proved right (a found nonce) needs no vote: it is
 * accepted, backed by every peer that returned it.
 */
export function acceptProven (results: readonly ReportedResult[], digest: string): QuorumVerdict {
  return { verdict: 'accept', digest, peers: groupByDigest(results).get(digest) ?? [] }
}

/**
 * The verdict on one unit under credibility validation. Errors count towards maxReplicas but
 * are not votes; a peer votes once (its first result).
 */
export function evaluateCredibility (
  results: readonly ReportedResult[],
  outstanding: number,
  rule: CredibilityRule,
  voteOf: (peer: string) => Vote,
  colluded?: (a: string, b: string) => boolean
): QuorumVerdict {
  // One vote per peer, its first result, as in plain quorum validation.
  const byDigest = new Map([...groupByDigest(results)].map(([digest, peers]) => [digest, peers.map(voteOf)]))
  const clusters = new Map<string, Vote[][]>()
  for (const [digest, votes] of byDigest) clusters.set(digest, independentVotes(votes, colluded))
  const probabilities = groupProbabilities(new Map([...clusters].map(([d, cs]) => [d, cs.map(clusterCredibility)])))
  let best: [string, number] | undefined
  for (const entry of probabilities) if (best == null || entry[1] > best[1]) best = entry
  if (best != null) {
    const backing = clusters.get(best[0])!
    const onlyYoung = backing.every((cluster) => cluster.every((v) => v.young))
    // Alone, a result is also only as good as its peer's hardware: its own error rate must be within ε.
    const alone = backing.length === 1 && Math.min(...backing[0]!.map((v) => v.errorRate ?? 1)) > rule.errorRate
    if (best[1] >= 1 - rule.errorRate && backing.length >= rule.minQuorum && !onlyYoung && !alone) {
      return { verdict: 'accept', digest: best[0], peers: byDigest.get(best[0])!.map((v) => v.peer) }
    }
  }
  if (results.length >= rule.maxReplicas && outstanding === 0) {
    return { verdict: 'fail', reason: `no result reached credibility ${1 - rule.errorRate} within ${rule.maxReplicas} results` }
  }
  // One replica at a time: the next result may well settle it, and honest networks pay little.
  const budget = rule.maxReplicas - results.length - outstanding
  return { verdict: 'pending', more: outstanding > 0 ? 0 : Math.min(1, Math.max(0, budget)) }
}

/**
 * The network a peer's address belongs to: its /24 for IPv4, /48 for IPv6, else the address.
 * Loopback peers are each their own network: they are this machine's own test grids.
 */
export function networkOf (address: string | null | undefined, peer: string): string {
  if (address == null || address === '' || /\/ip4\/127\.|\/ip6\/::1\//.test(address)) return `peer:${peer}`
  const v4 = /\/ip4\/(\d+)\.(\d+)\.(\d+)\.\d+/.exec(address)
  if (v4 != null) return `ip4:${v4[1]}.${v4[2]}.${v4[3]}`
  const v6 = /\/ip6\/([0-9a-f:]+)/i.exec(address)
  if (v6 != null) return `ip6:${v6[1]!.split(':').slice(0, 3).join(':')}`
  return `addr:${address}`
}
