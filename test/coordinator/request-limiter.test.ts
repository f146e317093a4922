import { describe, expect, it } from '@jest/globals'
import { FLOOD_PENALTY_EVERY, RequestLimiter, take, type Bucket } from '../../coordinator/request-limiter.ts'

const LIMIT = { ratePerSecond: 10, burst: 20 }

describe('take', () => {
  it.each<[string, Bucket | undefined, number, boolean, number, number | undefined]>([
    // name, bucket before, now, admitted, tokens after, retryAfterMs
    ['a new peer starts with a full burst', undefined, 0, true, 19, undefined],
    ['one token left', { tokens: 1, atMs: 0 }, 0, true, 0, undefined],
    ['an empty bucket refuses, with the wait for the next token', { tokens: 0, atMs: 0 }, 0, false, 0, 100],
    ['half a token: half the wait', { tokens: 0.5, atMs: 0 }, 0, false, 0.5, 50],
    ['time refills at the rate', { tokens: 0, atMs: 0 }, 100, true, 0, undefined],
    ['refills never pass the burst', { tokens: 0, atMs: 0 }, 60_000, true, 19, undefined],
    ['a clock that goes back refills nothing', { tokens: 0, atMs: 1000 }, 500, false, 0, 100]
  ])('%s', (_name, bucket, now, admitted, tokens, retryAfterMs) => {
    const result = take(bucket, now, LIMIT)
    expect(result.admitted).toBe(admitted)
    expect(result.bucket.tokens).toBeCloseTo(tokens, 9)
    expect(result.bucket.atMs).toBe(now)
    if (!result.admitted) expect(result.retryAfterMs).toBe(retryAfterMs)
  })
})

describe('RequestLimiter', () => {
  it('admits a burst, then refuses; only the first refusal of the flood costs reputation', () => {
    const limiter = new RequestLimiter(LIMIT, 2)
    const verdicts = Array.from({ length: 30 }, () => limiter.admit('P', 0))
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(20)
    expect(verdicts.filter((v) => !v.admitted && v.flood)).toHaveLength(1)
    expect(verdicts[20]).toEqual({ admitted: false, retryAfterMs: 100, flood: true })
    // Other peers have their own buckets.
    expect(limiter.admit('Q', 0).admitted).toBe(true)
  })

  it('keeps a flood one flood while the peer keeps the bucket near empty, and starts a new one after a calm spell', () => {
    const limiter = new RequestLimiter(LIMIT, 2)
    let now = 0
    const floods = (): number => {
      let n = 0
      for (let i = 0; i < 100; i++, now += 20) { const v = limiter.admit('P', now); if (!v.admitted && v.flood) n++ }
      return n
    }
    expect(floods()).toBe(1) // 50 requests/s for 2 s against 10/s: tokens trickle in, the flood goes on
    now += 1000 // half the burst back (10 tokens): calm
    expect(limiter.admit('P', now).admitted).toBe(true)
    expect(floods()).toBe(1)
  })

  it(`charges a sustained flood again every ${FLOOD_PENALTY_EVERY} refusals`, () => {
    const limiter = new RequestLimiter(LIMIT, 2)
    let charged = 0
    for (let i = 0; i < 20 + 2 * FLOOD_PENALTY_EVERY + 1; i++) { const v = limiter.admit('P', 0); if (!v.admitted && v.flood) charged++ }
    expect(charged).toBe(3)
  })

  it('caps open streams per peer and frees a place when one closes', () => {
    const limiter = new RequestLimiter(LIMIT, 2)
    expect([limiter.open('P'), limiter.open('P'), limiter.open('P'), limiter.open('Q')]).toEqual([true, true, false, true])
    limiter.close('P')
    expect(limiter.open('P')).toBe(true)
    limiter.close('nobody') // closing what was never opened is harmless
  })

  it('forgets peers idle for a minute with no stream open, so it holds only the live set', () => {
    const limiter = new RequestLimiter(LIMIT, 2)
    for (let i = 0; i < 100; i++) limiter.admit(`peer-${i}`, 0)
    limiter.open('kept')
    expect(limiter.size).toBe(101)
    limiter.admit('late', 61_000)
    expect(limiter.size).toBe(2) // 'late' and 'kept' (its stream is open)
  })
})
