import { InvalidArgumentError } from 'commander'
import { MAX_THREADS } from '../worker/constants.ts'

export function parseIntegerIn (name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value)
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max} (got "${value}")`)
    }
    return n
  }
}

export const parseThreads = parseIntegerIn('threads', 1, MAX_THREADS)

/** Commander reducer for repeatable options. */
export function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}
