/**
 * Reputation of one peer as seen by one coordinator: counters, a score in [0, 1] that falls
 * fast and recovers slowly, and a state `probation → trusted → banned`. Pure: the store
 * persists what these functions return, and every rule has a row in a table-driven test.
 */

export type PeerState = 'probation' | 'trusted' | 'banned'

/** `flood`: the peer sent work requests faster than it may (see request-limiter.ts). */
export type ReputationEvent = 'valid' | 'invalid' | 'error' | 'timeout' | 'spot-pass' | 'spot-fail' | 'flood' | 'ban' | 'unban'

export interface Reputation {
  valid: number
  invalid: number
  errors: number
  timeouts: number
  spotPassed: number
  spotFailed: number
  score: number
  state: PeerState
}

export const NEW_REPUTATION: Reputation = { valid: 0, invalid: 0, errors: 0, timeouts: 0, spotPassed: 0, spotFailed: 0, score: 0.5, state: 'probation' }

/** Verified results (valid + spot-checks passed) before a peer may be trusted. */
export const TRUST_AFTER = 20
/** Verified results below which a peer is young: its vote is not independent. */
export const YOUNG_BELOW = 3
/** Score under which a peer that has enough results to judge is banned. */
export const BAN_SCORE = 0.15
/** Results needed before the score alone may ban (a run of bad luck must not). */
export const MIN_RESULTS_TO_JUDGE = 8
/** A trusted peer must keep its score above this. */
export const TRUSTED_SCORE = 0.7

const clamp = (x: number): number => Math.min(1, Math.max(0, x))

/** How one event moves the score: a lie halves it; honest work earns back 3% of the gap. */
export function nextScore (score: number, event: ReputationEvent): number {
  switch (event) {
    case 'valid':
    case 'spot-pass': return clamp(score + (1 - score) * 0.03)
    case 'invalid': return clamp(score * 0.5)
    case 'spot-fail': return clamp(score * 0.25)
    case 'error':
    case 'timeout': return clamp(score * 0.95)
    // Dearer than a timeout: a flood is a choice, and it slows every other peer down.
    case 'flood': return clamp(score * 0.8)
    case 'ban': return 0
    case 'unban': return Math.max(score, NEW_REPUTATION.score)
  }
}

export function verified (r: Reputation): number {
  return r.valid + r.spotPassed
}

/**
 * Whether the record now proves the peer dishonest. A failed spot-check is decisive for a
 * young peer, and a second one for anybody; rare honest hardware errors (one failed check
 * after some honest work, an occasional lost vote) are not.
 */
export function shouldBan (r: Reputation): boolean {
  if (r.spotFailed >= 2) return true
  if (r.spotFailed >= 1 && verified(r) < YOUNG_BELOW) return true
  // Lost votes alone ban only a repeated pattern: colluders who win a vote for a while make
  // honest peers lose some, and backtracking does not give those back.
  const judged = r.valid + r.invalid
  return judged >= MIN_RESULTS_TO_JUDGE && r.invalid >= 3 && r.score < BAN_SCORE && r.invalid * 10 > judged
}

function nextState (r: Reputation): PeerState {
  if (r.state === 'banned') return 'banned'
  if (shouldBan(r)) return 'banned'
  return verified(r) >= TRUST_AFTER && r.score >= TRUSTED_SCORE ? 'trusted' : 'probation'
}

/** The reputation after `event`. Only `unban` leaves the banned state. */
export function applyEvent (r: Reputation, event: ReputationEvent): Reputation {
  const next: Reputation = { ...r, score: nextScore(r.score, event) }
  switch (event) {
    case 'valid': next.valid++; break
    case 'invalid': next.invalid++; break
    case 'error': next.errors++; break
    case 'timeout': next.timeouts++; break
    case 'spot-pass': next.spotPassed++; break
    case 'spot-fail': next.spotFailed++; next.invalid++; break // a failed check is a result proven wrong
    case 'ban': next.state = 'banned'; return next
    case 'unban':
      next.state = 'probation'
      next.spotFailed = 0
      return { ...next, state: nextState({ ...next, state: 'probation' }) }
  }
  next.state = nextState(next)
  return next
}

export function isYoung (r: Reputation): boolean {
  return verified(r) < YOUNG_BELOW
}
