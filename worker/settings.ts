/**
 * A worker's settings, from three sources in order of precedence: command-line flags, then
 * `PEERGRID_WORKER_*` environment variables, then the config file (`<data-dir>/worker.json`
 * unless `--config` or `PEERGRID_WORKER_CONFIG` names another), then defaults. The config
 * file lives in the data directory because settings belong to one worker instance, like its
 * identity: two workers on one machine may keep different budgets and schedules.
 *
 * Coordinator weights merge per coordinator (a flag overrides the file's weight for that
 * coordinator only); every other setting is taken whole from the first source that has it.
 * A bad value is an {@link InvalidSettingError} naming the setting and its source.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TransportName } from '../protocols/node.ts'
import { DEFAULT_IDLE_RESUME_AFTER_MS, DEFAULT_IDLE_THRESHOLD_PERCENT, DEFAULT_CPU_PERCENT } from './budget.ts'
import { DEFAULT_MAX_MEMORY_MB, DEFAULT_NICE_INCREMENT, DEFAULT_THREADS, MAX_PREFETCH, MAX_THREADS } from './constants.ts'
import type { ScheduleWindow } from './schedule.ts'
import { boolean, integer, schedule, SettingValueError, stringList, transports, weights, type Parser } from './setting-values.ts'

export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError'
}

export const CONFIG_FILE = 'worker.json'
export const ENV_PREFIX = 'PEERGRID_WORKER_'

export interface WorkerSettings {
  readonly dataDir: string
  /** The config file that was read, if one exists. */
  readonly configFile: string | undefined
  readonly threads: number
  readonly cpuPercent: number
  readonly idleOnly: boolean
  readonly idleThresholdPercent: number
  readonly idleResumeAfterMs: number
  /** Empty: no schedule, compute at any time. */
  readonly schedule: readonly ScheduleWindow[]
  readonly maxMemoryMb: number
  readonly nice: number
  /** Undefined: sized automatically. */
  readonly prefetch: number | undefined
  /** Coordinator peer id → weight; coordinators not listed weigh 1. */
  readonly weights: ReadonlyMap<string, number>
  /** Undefined: the caller supplies the default coordinator. */
  readonly bootstrap: readonly string[] | undefined
  readonly transports: readonly TransportName[] | undefined
  readonly listen: readonly string[]
}

interface Spec<T> {
  /** Key in the parsed command-line options. */
  readonly option: string
  readonly flag: string
  readonly env: string
  /** Key in the config file. */
  readonly key: string
  readonly parse: Parser<T>
}

function spec<T> (flag: string, key: string, parse: Parser<T>, names: { option?: string, env?: string } = {}): Spec<T> {
  const env = names.env ?? flag.slice(2).replaceAll('-', '_').toUpperCase()
  return { option: names.option ?? key, flag, env: ENV_PREFIX + env, key, parse }
}

export const SETTINGS = {
  threads: spec('--threads', 'threads', integer(1, MAX_THREADS)),
  cpuPercent: spec('--cpu-percent', 'cpuPercent', integer(1, 100)),
  idleOnly: spec('--idle-only', 'idleOnly', boolean),
  idleThreshold: spec('--idle-threshold', 'idleThreshold', integer(1, 100)),
  idleResumeAfter: spec('--idle-resume-after', 'idleResumeAfter', integer(0, 3600)),
  schedule: spec('--schedule', 'schedule', schedule),
  maxMemory: spec('--max-memory', 'maxMemory', integer(16, 1 << 20)),
  nice: spec('--nice', 'nice', integer(0, 19)),
  prefetch: spec('--prefetch', 'prefetch', integer(0, MAX_PREFETCH)),
  weights: spec('--weight', 'weights', weights, { option: 'weight', env: 'WEIGHTS' }),
  bootstrap: spec('--bootstrap', 'bootstrap', stringList),
  transports: spec('--transports', 'transports', transports),
  listen: spec('--listen', 'listen', stringList)
} as const

export const DATA_DIR_ENV = `${ENV_PREFIX}DATA_DIR`
export const CONFIG_ENV = `${ENV_PREFIX}CONFIG`
const KNOWN_ENV = new Set([DATA_DIR_ENV, CONFIG_ENV, ...Object.values(SETTINGS).map((s) => s.env)])
const KNOWN_KEYS = Object.values(SETTINGS).map((s) => s.key)

export interface SettingSources {
  /** Parsed command-line options: strings, string lists, booleans; absent when not given. */
  readonly flags: Readonly<Record<string, unknown>>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly defaultDataDir: string
  /** Reads a text file, or returns undefined when it does not exist. */
  readonly readFile?: (path: string) => string | undefined
}

function readIfExists (path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new InvalidSettingError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

function loadConfig (path: string, explicit: boolean, read: (path: string) => string | undefined): Record<string, unknown> | undefined {
  const text = read(path)
  if (text === undefined) {
    if (explicit) throw new InvalidSettingError(`config file ${path} does not exist; create it or pass another --config`)
    return undefined
  }
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch (err) {
    throw new InvalidSettingError(`config file ${path} is not valid JSON (${(err as Error).message}); fix or delete it`)
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidSettingError(`config file ${path} must hold a JSON object such as {"threads": 2, "cpuPercent": 50}`)
  }
  const unknown = Object.keys(config).filter((k) => !KNOWN_KEYS.includes(k))
  if (unknown.length > 0) throw new InvalidSettingError(`unknown setting "${unknown[0]}" in ${path}; known settings: ${KNOWN_KEYS.join(', ')}`)
  return config as Record<string, unknown>
}

export function resolveWorkerSettings (sources: SettingSources): WorkerSettings {
  const { flags, env } = sources
  const read = sources.readFile ?? readIfExists
  const given = (v: unknown): boolean => v !== undefined && v !== ''
  const unknownEnv = Object.keys(env).find((name) => name.startsWith(ENV_PREFIX) && !KNOWN_ENV.has(name))
  if (unknownEnv !== undefined) throw new InvalidSettingError(`unknown environment variable ${unknownEnv}; known: ${[...KNOWN_ENV].join(', ')}`)

  const dataDir = (flags.dataDir as string | undefined) ?? (given(env[DATA_DIR_ENV]) ? env[DATA_DIR_ENV]! : sources.defaultDataDir)
  const explicitConfig = (flags.config as string | undefined) ?? (given(env[CONFIG_ENV]) ? env[CONFIG_ENV] : undefined)
  const configPath = explicitConfig ?? join(dataDir, CONFIG_FILE)
  const file = loadConfig(configPath, explicitConfig !== undefined, read)

  /** Every source's value of a setting, highest precedence first, each with where it came from. */
  function layers<T> (s: Spec<T>): Array<{ value: T, where: string }> {
    const raw: Array<{ value: unknown, where: string }> = [
      { value: flags[s.option], where: s.flag },
      { value: env[s.env], where: `${s.env} (environment)` },
      { value: file?.[s.key], where: `"${s.key}" in ${configPath}` }
    ]
    return raw.filter((r) => given(r.value)).map(({ value, where }) => {
      try {
        return { value: s.parse(value), where }
      } catch (err) {
        if (!(err instanceof SettingValueError)) throw err
        throw new InvalidSettingError(`invalid setting ${where}: ${err.message} (got ${JSON.stringify(value)})`)
      }
    })
  }
  // Lower layers are parsed too, so a bad value in the config file is reported even when a flag overrides it.
  const get = <T>(s: Spec<T>): T | undefined => layers(s)[0]?.value

  const merged = new Map<string, number>()
  for (const { value } of layers(SETTINGS.weights).reverse()) for (const [peer, w] of value) merged.set(peer, w)

  return {
    dataDir,
    configFile: file !== undefined ? configPath : undefined,
    threads: get(SETTINGS.threads) ?? DEFAULT_THREADS,
    cpuPercent: get(SETTINGS.cpuPercent) ?? DEFAULT_CPU_PERCENT,
    idleOnly: get(SETTINGS.idleOnly) ?? false,
    idleThresholdPercent: get(SETTINGS.idleThreshold) ?? DEFAULT_IDLE_THRESHOLD_PERCENT,
    idleResumeAfterMs: (get(SETTINGS.idleResumeAfter) ?? DEFAULT_IDLE_RESUME_AFTER_MS / 1000) * 1000,
    schedule: get(SETTINGS.schedule) ?? [],
    maxMemoryMb: get(SETTINGS.maxMemory) ?? DEFAULT_MAX_MEMORY_MB,
    nice: get(SETTINGS.nice) ?? DEFAULT_NICE_INCREMENT,
    prefetch: get(SETTINGS.prefetch),
    weights: merged,
    bootstrap: get(SETTINGS.bootstrap),
    transports: get(SETTINGS.transports),
    listen: get(SETTINGS.listen) ?? []
  }
}
