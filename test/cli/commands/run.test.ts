/** `peergrid run --local` as a user runs it: a real process, real threads, real exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { PNG } from 'pngjs'
import { runCli } from '../../helpers/processes.ts'

describe('peergrid run --local', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-run-'))
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('counts the primes below 10^8 from examples/primes.json', async () => {
    const out = await runCli(['run', 'examples/primes.json', '--local', '--json'])
    expect(out.code).toBe(0)
    const report = JSON.parse(out.stdout) as { result: unknown, units: number }
    expect(report.result).toEqual({ count: 5_761_455 })
    expect(report.units).toBe(100)
  }, 60_000)

  it('writes the Mandelbrot PNG where --out says', async () => {
    const file = join(dir, 'm.png')
    const out = await runCli(['run', 'examples/mandelbrot.json', '--local', '--threads', '2', '--out', file])
    expect(out.code).toBe(0)
    expect(out.stdout).toContain(`written: ${file}`)
    const png = PNG.sync.read(readFileSync(file))
    expect([png.width, png.height]).toEqual([800, 600])
  }, 60_000)

  const bad = (name: string, content: string): string => { const p = join(dir, name); writeFileSync(p, content); return p }
  it.each<[string, () => string, RegExp[]]>([
    ['a missing file', () => join(dir, 'nope.json'), [/cannot read job file .*nope\.json: ENOENT/]],
    ['invalid JSON', () => bad('a.json', '{"kind": '), [/not valid JSON/]],
    ['an unknown kind', () => bad('b.json', '{"kind":"x","params":{},"units":1}'), [/kind: must be one of primes/]],
    ['missing, negative and non-integer params', () => bad('c.json', '{"kind":"mandelbrot","params":{"width":-1,"height":2.5},"units":1}'), [/params\.width: must be >= 1/, /params\.height: must be integer/, /params\.maxIterations: is required/]],
    ['from > to', () => bad('d.json', '{"kind":"primes","params":{"from":9,"to":3},"units":1}'), [/params\.to/]],
    ['an absurd size', () => bad('e.json', '{"kind":"primes","params":{"from":0,"to":1e18},"units":1}'), [/params\.to/]]
  ])('rejects %s with exit code 2, a line per problem, and runs nothing', async (_name, file, patterns) => {
    const out = await runCli(['run', file(), '--local', '--json'])
    expect(out.code).toBe(2)
    expect(out.stdout).toBe('')
    for (const p of patterns) expect(out.stderr).toMatch(p)
  }, 30_000)

  it('explains itself with --help', async () => {
    const out = await runCli(['run', '--help'])
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/--threads <n>/)
    expect(out.stdout).toMatch(/Example:/)
  }, 30_000)
})
