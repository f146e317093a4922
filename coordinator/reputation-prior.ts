/**
 * What other coordinators say about a peer, as a prior (EigenTrust-style: each report weighted
 * by this coordinator's trust in its author, itself pre-trusted at weight 1). Only ever moves
 * the starting score of a peer this coordinator has not seen; never credibility, never a verdict.
 */

export interface ReportedStanding { score: number, state: string }

/** Trust in coordinators nobody vouched for: they count, but less than our own judgement. */
export const DEFAULT_REPORTER_TRUST = 0.3
/** A banned peer is reported at score 0 whatever its last score. */
const reportedScore = (s: ReportedStanding): number => s.state === 'banned' ? 0 : s.score

/**
 * The starting score of an unknown peer: our own default (weight 1) blended with every report,
 * each weighted by its reporter's trust. Undefined when nobody reported the peer.
 */
export function priorScore (base: number, reports: ReadonlyArray<{ trust: number, standing: ReportedStanding }>): number | undefined {
  const useful = reports.filter((r) => r.trust > 0)
  if (useful.length === 0) return undefined
  let weight = 1
  let sum = base
  for (const r of useful) {
    weight += r.trust
    sum += r.trust * reportedScore(r.standing)
  }
  return sum / weight
}
