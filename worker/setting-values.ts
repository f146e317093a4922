/**
 * Parsers for worker settings. Each accepts what any source can give: a string from the
 * command line or the environment, or a JSON value from the config file. A bad value
 * throws {@link SettingValueError} with what was expected; the caller adds where it came from.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { ALL_TRANSPORTS, type TransportName } from '../protocols/node.ts'
import { parseSchedule, type ScheduleWindow } from './schedule.ts'

export class SettingValueError extends Error {
  override name = 'SettingValueError'
}

export type Parser<T> = (value: unknown) => T

export function integer (min: number, max: number): Parser<number> {
  return (value) => {
    const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new SettingValueError(`must be an integer from ${min} to ${max}`)
    }
    return n
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

export const boolean: Parser<boolean> = (value) => {
  if (typeof value === 'boolean') return value
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined
  if (text !== undefined && TRUE.has(text)) return true
  if (text !== undefined && FALSE.has(text)) return false
  throw new SettingValueError('must be true or false')
}

/** A list: a JSON array of strings, repeated flags, or one comma-separated string. */
export const stringList: Parser<string[]> = (value) => {
  const items = typeof value === 'string' ? value.split(',') : value
  if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) {
    throw new SettingValueError('must be a list of strings (comma-separated outside the config file)')
  }
  const list = (items as string[]).map((s) => s.trim()).filter((s) => s !== '')
  if (list.length === 0) throw new SettingValueError('must not be empty')
  return list
}

export const transports: Parser<TransportName[]> = (value) => {
  const names = stringList(value)
  const unknown = names.filter((n) => !(ALL_TRANSPORTS as readonly string[]).includes(n))
  if (unknown.length > 0) throw new SettingValueError(`unknown transport ${unknown.join(', ')}; choose from ${ALL_TRANSPORTS.join(', ')}`)
  return names as TransportName[]
}

export const schedule: Parser<ScheduleWindow[]> = (value) => {
  if (typeof value !== 'string') throw new SettingValueError('must be a string like "22:00-07:00"')
  try {
    return parseSchedule(value)
  } catch (err) {
    throw new SettingValueError((err as Error).message)
  }
}

export const MAX_WEIGHT = 1000
const weightValue = integer(0, MAX_WEIGHT)

function peerId (text: string): string {
  try {
    return peerIdFromString(text).toString()
  } catch {
    throw new SettingValueError(`"${text}" is not a peer id (a coordinator's id such as 12D3KooW…)`)
  }
}

/**
 * Coordinator weights: `PEER=N` strings (repeated flags, or comma-separated), or a JSON
 * object `{ "PEER": N }`. N is 0 (a backup, served only when no one else has work) to 1000.
 */
export const weights: Parser<Map<string, number>> = (value) => {
  const entries: Array<[string, unknown]> = []
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    entries.push(...Object.entries(value))
  } else {
    for (const item of stringList(value)) {
      const eq = item.lastIndexOf('=')
      if (eq <= 0) throw new SettingValueError(`"${item}" is not PEERID=WEIGHT`)
      entries.push([item.slice(0, eq).trim(), item.slice(eq + 1).trim()])
    }
  }
  const map = new Map<string, number>()
  for (const [peer, weight] of entries) {
    let n: number
    try {
      n = weightValue(weight)
    } catch {
      throw new SettingValueError(`weight of ${peer} must be an integer from 0 to ${MAX_WEIGHT}`)
    }
    map.set(peerId(peer), n)
  }
  return map
}
