/**
 * Runs a whole job on this machine: split, run every unit in the engine, merge. This is
 * `peergrid run --local` and the baseline that grid throughput is measured against.
 */
import { getKind } from '../jobs/registry.ts'
import { withDefaults, type JobSpec } from '../jobs/spec.ts'
import type { JobResult } from '../jobs/kind.ts'
import type { Engine } from './engine.ts'
import type { UnitOutcome } from './outcome.ts'

export interface LocalProgress {
  done: number
  total: number
}

export interface LocalRunOptions {
  onProgress?: (progress: LocalProgress) => void
  signal?: AbortSignal
}

export interface LocalRunReport {
  result: JobResult
  units: number
  wallMs: number
  cpuMs: number
}

export class UnitFailedError extends Error {
  override name = 'UnitFailedError'
  readonly unitIndex: number
  readonly outcome: UnitOutcome
  constructor (unitIndex: number, outcome: UnitOutcome) {
    const detail = outcome.status === 'error' ? `: ${outcome.message}` : ''
    super(`unit ${unitIndex} ended with status ${outcome.status}${detail}`)
    this.unitIndex = unitIndex
    this.outcome = outcome
  }
}

export async function runLocal (engine: Engine, spec: JobSpec, options: LocalRunOptions = {}): Promise<LocalRunReport> {
  const job = withDefaults(spec)
  const kind = getKind(job.kind)
  const units = kind.split(job.params, job.units)
  const outputs: unknown[] = new Array(units.length)
  const started = performance.now()
  let done = 0
  let cpuMs = 0
  options.onProgress?.({ done, total: units.length })
  // Feed the pool exactly as many units as it has threads so a failure stops the job early.
  let next = 0
  let failure: UnitFailedError | undefined
  const lane = async (): Promise<void> => {
    while (failure == null && next < units.length) {
      const index = next++
      const runOptions = options.signal != null ? { timeoutMs: job.unitTimeoutMs, signal: options.signal } : { timeoutMs: job.unitTimeoutMs }
      const outcome = await engine.run(kind.name, units[index], runOptions)
      if (outcome.status !== 'ok') {
        failure ??= new UnitFailedError(index, outcome)
        return
      }
      outputs[index] = kind.decodeOutput(outcome.output, units[index])
      cpuMs += outcome.cpuMs
      options.onProgress?.({ done: ++done, total: units.length })
    }
  }
  await Promise.all(Array.from({ length: Math.min(engine.threads, units.length) }, lane))
  if (failure != null) throw failure
  return { result: kind.merge(job.params, outputs), units: units.length, wallMs: performance.now() - started, cpuMs }
}
