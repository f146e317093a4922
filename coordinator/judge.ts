/**
 * The rule that decides a job's units, chosen by its spec: quorum (enough results agree), or
 * credibility (agreeing results until the answer is credible enough given each voter's
 * record). Checking is cheaper than computing for some kinds: under credibility a result the
 * kind's own check proved right needs no vote.
 */
import type { ResolvedJobSpec } from '../jobs/spec.ts'
import { acceptProven, evaluateCredibility } from './credibility.ts'
import type { Judge } from './job-slot.ts'
import type { PeerBook } from './peer-book.ts'
import { evaluateQuorum } from './quorum.ts'

export function judgeFor (spec: ResolvedJobSpec, peers: Pick<PeerBook, 'vote' | 'colluded'>): Judge {
  if (spec.validation === 'quorum') return (results, outstanding) => evaluateQuorum(results, outstanding, { quorum: spec.quorum, maxResults: spec.maxResults })
  const rule = { errorRate: spec.errorRate, maxMaliciousFraction: spec.maxMaliciousFraction, minQuorum: spec.minQuorum, maxReplicas: spec.maxReplicas }
  return (results, outstanding, proven) => proven != null
    ? acceptProven(results, proven)
    : evaluateCredibility(results, outstanding, rule, (peer) => peers.vote(peer, spec.maxMaliciousFraction), peers.colluded)
}
