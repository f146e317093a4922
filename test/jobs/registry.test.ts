import { describe, it, expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import fc from 'fast-check'
import { getKind, kindNames, kinds, UnknownKindError } from '../../jobs/registry.ts'

const EXAMPLES = new URL('../../examples/', import.meta.url)

function example (name: string): { kind: string, params: unknown, units: number } {
  return JSON.parse(readFileSync(new URL(`${name}.json`, EXAMPLES), 'utf8'))
}

describe('registry', () => {
  it('lists the built-in kinds', () => {
    expect(kindNames()).toEqual(['primes', 'montecarlo-pi', 'mandelbrot', 'hash-search'])
    expect([...kinds.keys()]).toEqual(kindNames())
  })

  it.each(['primes', 'montecarlo-pi', 'mandelbrot', 'hash-search'])('getKind(%j) returns the kind of that name', (name) => {
    expect(getKind(name).name).toBe(name)
  })

  it.each(['wasm', '', 'PRIMES', 'constructor', '__proto__'])('getKind(%j) throws UnknownKindError listing the known kinds', (name) => {
    let error: unknown
    try {
      getKind(name)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(UnknownKindError)
    expect((error as UnknownKindError).name).toBe('UnknownKindError')
    expect((error as UnknownKindError).kind).toBe(name)
    expect((error as Error).message).toBe(`unknown job kind ${JSON.stringify(name)}; known kinds: primes, montecarlo-pi, mandelbrot, hash-search`)
  })
})

describe.each(kindNames())('kind %s', (name) => {
  const kind = getKind(name)
  const job = example(name)
  const ajv = new Ajv({ strict: true, allErrors: true })
  const validate = ajv.compile(kind.paramsSchema)

  it('has a strict JSON Schema that accepts its example and refuses unknown fields', () => {
    expect(kind.paramsSchema).toMatchObject({ type: 'object', additionalProperties: false })
    expect(job.kind).toBe(name)
    expect(validate(job.params)).toBe(true)
    expect(validate({ ...(job.params as object), surprise: 1 })).toBe(false)
    expect(validate({})).toBe(false)
    expect(kind.description.length).toBeGreaterThan(10)
  })

  it('accepts its example job and splits it into units that survive the network', () => {
    expect(kind.check(job.params, job.units)).toEqual([])
    const units = kind.split(job.params, job.units)
    expect(units).toHaveLength(job.units)
    for (const unit of units) expect(kind.parseUnit(JSON.parse(JSON.stringify(unit)))).toEqual(unit)
  })

  it('parseUnit answers arbitrary values with a valid unit or a plain Error', () => {
    const [sample] = kind.split(job.params, job.units)
    const field = fc.oneof(fc.anything(), fc.integer(), fc.double(), fc.string())
    const mutated = fc.record({ key: fc.constantFrom(...Object.keys(sample)), value: field })
      .map(({ key, value }) => ({ ...sample, [key]: value }))
    fc.assert(fc.property(fc.oneof(fc.anything(), mutated), (payload) => {
      let unit: unknown
      try {
        unit = kind.parseUnit(payload)
      } catch (err) {
        return err instanceof Error && err.message.startsWith('unit')
      }
      return JSON.stringify(kind.parseUnit(JSON.parse(JSON.stringify(unit)))) === JSON.stringify(unit)
    }), { seed: 1, numRuns: 300 })
  })

  it('decodeOutput answers arbitrary bytes with a canonical output or a plain Error', () => {
    const [unit] = kind.split(job.params, job.units)
    const candidates = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.json().map((text) => new TextEncoder().encode(text)),
      fc.dictionary(fc.constantFrom('count', 'inside', 'samples', 'nonce', 'x'), fc.oneof(fc.integer(), fc.constant(null), fc.double()))
        .map((record) => new TextEncoder().encode(JSON.stringify(record)))
    )
    fc.assert(fc.property(candidates, (bytes) => {
      let output: unknown
      try {
        output = kind.decodeOutput(bytes, unit)
      } catch (err) {
        return err instanceof Error && err.message.startsWith('output')
      }
      return Buffer.from(kind.encodeOutput(output)).equals(Buffer.from(bytes))
    }), { seed: 2, numRuns: 300 })
  })
})
