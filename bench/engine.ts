/**
 * Local engine scaling: primes units per second with 1 and 2 threads, and the ratio of the
 * 2-thread rate to the ideal (2 × the 1-thread rate measured in the same run).
 */
import { createEngine } from '../worker/engine.ts'
import { runLocal } from '../worker/local-runner.ts'
import { median, primesJob, spanFor } from './calibrate.ts'

export interface EngineReport { unitMs: number, units: number, rate1: number, rate2: number, ratioToIdeal: number }

async function rate (threads: number, job: ReturnType<typeof primesJob>, repeats: number): Promise<number> {
  const engine = createEngine({ threads, niceIncrement: 0 })
  engine.start()
  try {
    await runLocal(engine, { ...job, units: threads * 2, params: { from: job.params.from, to: job.params.from + (job.params.to - job.params.from) / job.units * threads * 2 } }) // thread start-up
    const rates: number[] = []
    for (let i = 0; i < repeats; i++) {
      const report = await runLocal(engine, job)
      rates.push(report.units / (report.wallMs / 1000))
    }
    return median(rates)
  } finally {
    await engine.stop()
  }
}

export async function benchEngine (unitMs = 10, units = 200, repeats = 3): Promise<EngineReport> {
  const job = primesJob(spanFor(unitMs), units)
  // Interleave the two settings so that background load hits both alike.
  const r1: number[] = []
  const r2: number[] = []
  for (let i = 0; i < repeats; i++) {
    r1.push(await rate(1, job, 1))
    r2.push(await rate(2, job, 1))
  }
  const rate1 = median(r1)
  const rate2 = median(r2)
  return { unitMs, units, rate1, rate2, ratioToIdeal: rate2 / (2 * rate1) }
}
