/**
 * `peergrid demo` (what `npm start` runs): real processes, a real Mandelbrot job, a real
 * PNG, the dashboard's address; Ctrl-C (SIGINT) stops the demo and every process it started.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { PNG } from 'pngjs'
import { eventually, PeergridProcess } from '../../helpers/processes.ts'

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

describe('peergrid demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-demo-'))
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  it('runs a grid, writes the Mandelbrot PNG, and stops everything on SIGINT', async () => {
    const out = join(dir, 'mandelbrot.png')
    const demo = new PeergridProcess(['demo', '--json', '--out', out], { PEERGRID_HOME: join(dir, 'home') })
    try {
      const ready = await demo.waitFor((e) => e.event === 'ready', 60_000, 'demo ready')
      const pids = ready.pids as number[]
      expect(pids).toHaveLength(3)
      const done = await demo.waitFor((e) => e.event === 'done', 90_000, 'demo done')
      expect(done.result).toEqual({ width: 800, height: 600 })
      const png = PNG.sync.read(readFileSync(out))
      expect([png.width, png.height]).toEqual([800, 600])
      // The coordinator's dashboard, whose address the demo prints, shows the finished job.
      const jobs = await (await fetch(new URL('/api/jobs', ready.dashboardUrl as string))).json() as Array<{ kind: string, state: string }>
      expect(jobs.map((j) => [j.kind, j.state])).toEqual([['mandelbrot', 'completed']])

      demo.child.kill('SIGINT')
      expect((await demo.exited).code).toBe(0)
      await eventually(() => pids.every((pid) => !alive(pid)) ? true : undefined, 15_000, 'demo children to exit')
    } finally {
      await demo.stop('SIGKILL')
    }
  }, 150_000)
})
