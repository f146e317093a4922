import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createEngine, Engine, EngineStoppedError, validateEngineInit } from '../../worker/engine.ts'
import { getKind } from '../../jobs/registry.ts'

const hungryTask = fileURLToPath(new URL('../fixtures/hungry-task.ts', import.meta.url))
/** A hash-search unit that takes about a minute: 40 leading zero bits over 2^26 nonces. */
const endless = { data: 'never', difficultyBits: 40, start: 0, end: 2 ** 26 }

describe('validateEngineInit', () => {
  it.each<[string, object, string]>([
    ['threads not an integer', { threads: 1.5 }, 'options.threads must be an integer'],
    ['threads zero', { threads: 0 }, 'options.threads must be between 1 and 256'],
    ['negative nice', { niceIncrement: -1 }, 'options.niceIncrement must be between 0 and 19'],
    ['tiny memory', { maxMemoryMb: 1 }, 'options.maxMemoryMb must be between 16 and 1048576'],
    ['string timeout', { defaultTimeoutMs: '10' }, 'options.defaultTimeoutMs must be an integer']
  ])('%s', (_name, init, message) => {
    expect(() => validateEngineInit(init)).toThrow(message)
  })
})

describe('Engine', () => {
  let engine: Engine | undefined
  afterEach(async () => { await engine?.stop() })

  it('runs real units and returns their canonical bytes', async () => {
    engine = createEngine({ threads: 2 })
    engine.start()
    const primes = getKind('primes')
    const outcome = await engine.run('primes', { from: 0, to: 1_000_000 })
    expect(outcome.status).toBe('ok')
    if (outcome.status !== 'ok') return
    expect(primes.decodeOutput(outcome.output, { from: 0, to: 1_000_000 })).toEqual({ count: 78_498 })
    expect(outcome.cpuMs).toBeGreaterThan(0)
  })

  it('aborts a unit at its deadline, reports a timeout and keeps serving', async () => {
    engine = createEngine({ threads: 1 })
    engine.start()
    const outcome = await engine.run('hash-search', endless, { timeoutMs: 300 })
    expect(outcome).toMatchObject({ status: 'timeout' })
    expect(outcome.wallMs).toBeLessThan(10_000)
    const next = await engine.run('primes', { from: 0, to: 1000 })
    expect(next.status).toBe('ok')
  })

  it('cancels a running unit through its signal', async () => {
    engine = createEngine({ threads: 1 })
    engine.start()
    const controller = new AbortController()
    const running = engine.run('hash-search', endless, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    expect((await running).status).toBe('cancelled')
  })

  it('reports a unit that breaks its memory cap as out-of-memory, and the pool survives', async () => {
    engine = createEngine({ threads: 1, maxMemoryMb: 32, taskFile: hungryTask })
    engine.start()
    expect((await engine.run('any', {}, { timeoutMs: 30_000 })).status).toBe('out-of-memory')
    expect((await engine.run('any', {}, { timeoutMs: 30_000 })).status).toBe('out-of-memory')
  })

  it('reports bad units as errors naming the problem', async () => {
    engine = createEngine({ threads: 1 })
    engine.start()
    const unknown = await engine.run('no-such-kind', {})
    expect(unknown).toMatchObject({ status: 'error' })
    const bad = await engine.run('primes', { from: 10, to: 'x' })
    expect(bad.status).toBe('error')
    if (bad.status === 'error') expect(bad.message).toMatch(/to/)
  })

  it('refuses work when stopped', async () => {
    engine = createEngine({ threads: 1 })
    await expect(engine.run('primes', { from: 0, to: 10 })).rejects.toThrow(EngineStoppedError)
  })
})
