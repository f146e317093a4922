import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { buildJobSchema, parseJobSpec, withDefaults } from '../../jobs/spec.ts'

const primes = (extra: object = {}, params: object = { from: 0, to: 1000 }): string => JSON.stringify({ kind: 'primes', params, units: 10, ...extra })

describe('parseJobSpec', () => {
  it.each<[string, string, string[]]>([
    ['invalid JSON', '{"kind": "primes",', ['(job): not valid JSON']],
    ['not an object', '[1, 2]', ['(job): must be a JSON object']],
    ['unknown kind', JSON.stringify({ kind: 'bitcoin', params: {}, units: 1 }), ['kind: must be one of primes, montecarlo-pi, mandelbrot, hash-search (got "bitcoin")']],
    ['missing params and units', JSON.stringify({ kind: 'primes' }), ['params: is required', 'units: is required']],
    ['missing param', primes({}, { from: 0 }), ['params.to: is required']],
    ['negative param', primes({}, { from: -5, to: 10 }), ['params.from: must be >= 0 (got -5)']],
    ['non-integer param', primes({}, { from: 1.5, to: 10 }), ['params.from: must be integer (got 1.5)']],
    ['string param', primes({}, { from: '0', to: 10 }), ['params.from: must be integer (got "0")']],
    ['from > to', primes({}, { from: 10, to: 5 }), ['params.to']],
    ['absurd size', primes({}, { from: 0, to: 1e15 }), ['params.to']],
    ['zero units', primes({ units: 0 }), ['units: must be >= 1 (got 0)']],
    ['too many units', primes({ units: 1e6 }), ['units: must be <= 100000 (got 1000000)']],
    ['unknown top-level field', primes({ colour: 'red' }), ['colour: is not a known field']],
    ['unknown param', primes({}, { from: 0, to: 10, step: 2 }), ['params.step: is not a known field']],
    ['quorum out of range', primes({ quorum: 0 }), ['quorum: must be >= 1 (got 0)']],
    ['maxResults below quorum', primes({ quorum: 3, maxResults: 2 }), ['maxResults: must be at least quorum (got 2 < 3)']]
  ])('%s', (_name, text, expected) => {
    const checked = parseJobSpec(text)
    expect(checked.ok).toBe(false)
    if (checked.ok) return
    for (const fragment of expected) expect(checked.errors.some((e) => e.includes(fragment))).toBe(true)
    // one line per problem, each naming its field
    for (const line of checked.errors) expect(line).toMatch(/^[\w.()]+: /)
  })

  it('reports every problem at once', () => {
    const checked = parseJobSpec(JSON.stringify({ kind: 'primes', params: { from: -1, to: 'x' }, units: 0 }))
    expect(checked.ok ? [] : checked.errors).toHaveLength(3)
  })

  it.each([['primes'], ['montecarlo-pi'], ['mandelbrot'], ['hash-search']])('accepts examples/%s.json', (name) => {
    const checked = parseJobSpec(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'))
    expect(checked).toMatchObject({ ok: true })
  })

  it('fills defaults', () => {
    const checked = parseJobSpec(primes())
    if (!checked.ok) throw new Error(checked.errors.join())
    expect(withDefaults(checked.spec)).toMatchObject({ quorum: 2, maxResults: 5, unitTimeoutMs: 300_000, name: 'primes' })
  })
})

describe('jobs/job.schema.json', () => {
  it('is the schema the registered kinds produce (regenerate with npm run schema)', () => {
    const published = JSON.parse(readFileSync(new URL('../../jobs/job.schema.json', import.meta.url), 'utf8')) as unknown
    expect(published).toEqual(JSON.parse(JSON.stringify(buildJobSchema())))
  })
})
