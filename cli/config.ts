/**
 * Where the CLI finds things: the data directory of each role and the coordinator to talk
 * to. Precedence for the coordinator: `--coordinator` flag, `PEERGRID_COORDINATOR`, the
 * `coordinator` field of `~/.peergrid/config.json`, then the addresses file that a
 * coordinator on this machine writes into its default data directory.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CliError, EXIT_USAGE } from './errors.ts'

export type Role = 'coordinator' | 'worker' | 'client'

export function peergridHome (): string {
  return process.env.PEERGRID_HOME ?? join(homedir(), '.peergrid')
}

export function defaultDataDir (role: Role): string {
  return join(peergridHome(), role)
}

export const ADDRESSES_FILE = 'addresses.json'

function readJson (path: string): Record<string, unknown> | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}); fix or delete it`, EXIT_USAGE)
  }
}

export function resolveCoordinator (flag: string | undefined): string {
  if (flag != null && flag !== '') return flag
  const env = process.env.PEERGRID_COORDINATOR
  if (env != null && env !== '') return env
  const config = readJson(join(peergridHome(), 'config.json'))
  if (typeof config?.coordinator === 'string') return config.coordinator
  const local = readJson(join(defaultDataDir('coordinator'), ADDRESSES_FILE))
  const addrs = local?.addresses
  if (Array.isArray(addrs) && typeof addrs[0] === 'string') return addrs[0]
  throw new CliError('no coordinator given: pass --coordinator MULTIADDR, set PEERGRID_COORDINATOR, or put {"coordinator": "MULTIADDR"} in ' + join(peergridHome(), 'config.json'), EXIT_USAGE)
}
