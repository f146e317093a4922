import { describe, expect, it } from '@jest/globals'
import { backoffMs } from '../../protocols/backoff.ts'

describe('backoffMs', () => {
  it.each<[string, number, number, number]>([
    ['no failure yet waits the minimum', 0, 0.5, 500],
    ['first failure waits the minimum', 1, 0.5, 500],
    ['doubles with each failure', 3, 0.5, 2000],
    ['stops at the maximum', 20, 0.5, 10_000],
    ['jitter low end is -20%', 1, 0, 400],
    ['jitter high end is +20% (also at the maximum)', 30, 1, 12_000]
  ])('%s', (_, failures, random, expected) => {
    expect(backoffMs(failures, 500, 10_000, () => random)).toBe(expected)
  })
})
