import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createEngine, type Engine } from '../../worker/engine.ts'
import { runLocal, UnitFailedError } from '../../worker/local-runner.ts'
import type { JobSpec } from '../../jobs/spec.ts'

const mandelbrot: JobSpec = { kind: 'mandelbrot', params: { width: 160, height: 120, centerX: -0.5, centerY: 0, scale: 3, maxIterations: 200 }, units: 6 }

describe('runLocal', () => {
  let one: Engine
  let two: Engine
  beforeAll(() => { one = createEngine({ threads: 1 }); two = createEngine({ threads: 2 }); one.start(); two.start() })
  afterAll(async () => { await one.stop(); await two.stop() })

  it('produces byte-identical Mandelbrot PNGs across runs and thread counts', async () => {
    const a = await runLocal(one, mandelbrot)
    const b = await runLocal(two, mandelbrot)
    const c = await runLocal(two, mandelbrot)
    expect(a.result.file?.bytes.length).toBeGreaterThan(1000)
    expect(Buffer.from(b.result.file!.bytes).equals(Buffer.from(a.result.file!.bytes))).toBe(true)
    expect(Buffer.from(c.result.file!.bytes).equals(Buffer.from(a.result.file!.bytes))).toBe(true)
  })

  it('counts π(10^7) across units and reports progress for each', async () => {
    const seen: number[] = []
    const report = await runLocal(two, { kind: 'primes', params: { from: 0, to: 10_000_000 }, units: 8 }, { onProgress: ({ done }) => seen.push(done) })
    expect(report.result.value).toEqual({ count: 664_579 })
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('fails the job with the unit that timed out', async () => {
    const job: JobSpec = { kind: 'hash-search', params: { data: 'x', difficultyBits: 40, nonces: 2 ** 26 }, units: 1, unitTimeoutMs: 200 }
    await expect(runLocal(one, job)).rejects.toThrow(UnitFailedError)
    await expect(runLocal(one, job)).rejects.toThrow(/unit 0 ended with status timeout/)
  })
})
