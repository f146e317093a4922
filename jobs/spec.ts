/**
 * Job files: their JSON Schema (published as `jobs/job.schema.json` for editors) and a
 * validator that reports one clear line per problem, each naming the field.
 */
import { Ajv, type ErrorObject } from 'ajv'
import { kinds } from './registry.ts'
import type { Json, JsonSchema } from './kind.ts'

export const MAX_UNITS_PER_JOB = 100_000
export const MAX_QUORUM = 16
export const MAX_RESULTS_PER_UNIT = 64
export const DEFAULT_QUORUM = 2
export const DEFAULT_UNIT_TIMEOUT_MS = 5 * 60_000
export const DEFAULT_ERROR_RATE = 1e-4
export const DEFAULT_MAX_MALICIOUS_FRACTION = 0.3
export const DEFAULT_MAX_REPLICAS = 12

/** A validated job file. Optional settings are filled in by {@link withDefaults}. */
export interface JobSpec {
  kind: string
  params: Record<string, Json>
  units: number
  /** A label shown by `status` and the dashboard. */
  name?: string
  /** Results that must agree byte for byte before a unit is accepted (default 2). */
  quorum?: number
  /** Lease deadline of one unit on a worker, in ms (default 5 minutes). */
  unitTimeoutMs?: number
  /** Results a unit may collect before it is marked failed, like BOINC's max_total_results. */
  maxResults?: number
  /** `quorum`: `quorum` byte-identical results; `credibility`: Sarmenta's credibility threshold. */
  validation?: Validation
  /** Credibility validation: acceptable probability that an accepted result is wrong (ε). */
  errorRate?: number
  /** Credibility validation: assumed worst-case fraction of malicious peers (f). */
  maxMaliciousFraction?: number
  /** Credibility validation: independent agreeing results needed at least. */
  minQuorum?: number
  /** Credibility validation: results a unit may collect before it is marked failed. */
  maxReplicas?: number
}

export type Validation = 'quorum' | 'credibility'

export type ResolvedJobSpec = Required<Omit<JobSpec, 'name'>> & { name: string }

const settings: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, maxLength: 200, description: 'A label shown by status and the dashboard.' },
  units: { type: 'integer', minimum: 1, maximum: MAX_UNITS_PER_JOB, description: 'How many work units to split the job into.' },
  quorum: { type: 'integer', minimum: 1, maximum: MAX_QUORUM, default: DEFAULT_QUORUM, description: 'Matching results from distinct peers needed to accept a unit.' },
  unitTimeoutMs: { type: 'integer', minimum: 100, maximum: 7 * 24 * 3_600_000, default: DEFAULT_UNIT_TIMEOUT_MS, description: 'Lease deadline of one unit, in milliseconds.' },
  maxResults: { type: 'integer', minimum: 1, maximum: MAX_RESULTS_PER_UNIT, description: 'Results a unit may collect before it is marked failed (default: quorum + 3).' },
  validation: { enum: ['quorum', 'credibility'], default: 'quorum', description: 'quorum: byte-identical results from `quorum` distinct peers; credibility: a result group whose credibility reaches 1 - errorRate.' },
  errorRate: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, default: DEFAULT_ERROR_RATE, description: 'Credibility validation: acceptable probability that an accepted unit is wrong.' },
  maxMaliciousFraction: { type: 'number', minimum: 0, maximum: 0.6, default: DEFAULT_MAX_MALICIOUS_FRACTION, description: 'Credibility validation: assumed worst-case fraction of malicious peers.' },
  minQuorum: { type: 'integer', minimum: 1, maximum: MAX_QUORUM, default: 1, description: 'Credibility validation: independent agreeing results needed at least.' },
  maxReplicas: { type: 'integer', minimum: 1, maximum: MAX_RESULTS_PER_UNIT, default: DEFAULT_MAX_REPLICAS, description: 'Credibility validation: results a unit may collect before it is marked failed.' }
}

/** The JSON Schema of a job file, one `if kind then params` branch per registered kind. */
export function buildJobSchema (): JsonSchema {
  const names = [...kinds.keys()]
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:peergrid:schema:job:1',
    title: 'PeerGrid job',
    type: 'object',
    required: ['kind', 'params', 'units'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      kind: { enum: names, description: 'The job kind: ' + names.join(', ') + '.' },
      params: { type: 'object' },
      ...settings
    },
    allOf: [...kinds.values()].map((kind) => ({
      if: { properties: { kind: { const: kind.name } }, required: ['kind'] },
      then: { properties: { params: kind.paramsSchema } }
    }))
  }
}

const ajv = new Ajv({ allErrors: true, strict: false })
const validateTop = ajv.compile({ ...buildJobSchema(), allOf: undefined, $id: undefined, $schema: undefined })
const paramValidators = new Map([...kinds.values()].map((kind) => [kind.name, ajv.compile(kind.paramsSchema)]))

function fieldOf (prefix: string, err: ErrorObject): string {
  const path = err.instancePath.split('/').filter(Boolean).join('.')
  const base = [prefix, path].filter(Boolean).join('.')
  const missing = (err.params as { missingProperty?: string }).missingProperty
  const extra = (err.params as { additionalProperty?: string }).additionalProperty
  const leaf = missing ?? extra
  return leaf != null ? [base, leaf].filter(Boolean).join('.') : (base === '' ? '(job)' : base)
}

function valueAt (data: unknown, instancePath: string): unknown {
  let value = data
  for (const key of instancePath.split('/').filter(Boolean)) value = (value as Record<string, unknown> | undefined)?.[key]
  return value
}

function describe (prefix: string, data: unknown, err: ErrorObject): string {
  const field = fieldOf(prefix, err)
  switch (err.keyword) {
    case 'required': return `${field}: is required`
    case 'additionalProperties': return `${field}: is not a known field`
    case 'enum': return `${field}: must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')} (got ${JSON.stringify(valueAt(data, err.instancePath))})`
    default: return `${field}: ${err.message ?? 'is invalid'} (got ${JSON.stringify(valueAt(data, err.instancePath))})`
  }
}

export type SpecCheck = { ok: true, spec: JobSpec } | { ok: false, errors: string[] }

/** Validates a parsed job object; never throws. */
export function checkJobSpec (data: unknown): SpecCheck {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, errors: ['(job): must be a JSON object like {"kind": "primes", "params": {...}, "units": 100}'] }
  }
  const errors: string[] = []
  if (!validateTop(data)) errors.push(...(validateTop.errors ?? []).map((e) => describe('', data, e)))
  const job = data as Record<string, unknown>
  const validateParams = typeof job.kind === 'string' ? paramValidators.get(job.kind) : undefined
  const params = job.params
  if (validateParams != null && typeof params === 'object' && params !== null && !Array.isArray(params)) {
    if (!validateParams(params)) {
      errors.push(...(validateParams.errors ?? []).map((e) => describe('params', params, e)))
    } else if (errors.length === 0) {
      errors.push(...kinds.get(job.kind as string)!.check(params, job.units as number))
    }
  }
  if (errors.length === 0 && typeof job.maxResults === 'number' && job.maxResults < ((job.quorum as number | undefined) ?? DEFAULT_QUORUM)) {
    errors.push(`maxResults: must be at least quorum (got ${job.maxResults} < ${String(job.quorum ?? DEFAULT_QUORUM)})`)
  }
  return errors.length === 0 ? { ok: true, spec: data as unknown as JobSpec } : { ok: false, errors: [...new Set(errors)] }
}

/** Parses and validates the text of a job file; never throws. */
export function parseJobSpec (text: string): SpecCheck {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    return { ok: false, errors: [`(job): not valid JSON: ${(err as Error).message}`] }
  }
  return checkJobSpec(data)
}

export function withDefaults (spec: JobSpec): ResolvedJobSpec {
  const quorum = spec.quorum ?? DEFAULT_QUORUM
  const validation = spec.validation ?? 'quorum'
  const maxReplicas = spec.maxReplicas ?? DEFAULT_MAX_REPLICAS
  return {
    validation,
    errorRate: spec.errorRate ?? DEFAULT_ERROR_RATE,
    maxMaliciousFraction: spec.maxMaliciousFraction ?? DEFAULT_MAX_MALICIOUS_FRACTION,
    minQuorum: spec.minQuorum ?? 1,
    maxReplicas,
    kind: spec.kind,
    params: spec.params,
    units: spec.units,
    name: spec.name ?? spec.kind,
    quorum,
    unitTimeoutMs: spec.unitTimeoutMs ?? DEFAULT_UNIT_TIMEOUT_MS,
    maxResults: validation === 'credibility' ? maxReplicas : spec.maxResults ?? quorum + 3
  }
}
