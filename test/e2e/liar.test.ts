/**
 * Trust end to end: a coordinator, three honest workers and one lying worker as processes on
 * 127.0.0.1. The job's answer is right, the liar ends up banned, and `peergrid peers --json`
 * shows its state, its invalid results and the credit each peer earned.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from '@jest/globals'
import { countPrimes } from '../../jobs/primes.ts'
import type { PeerInfo } from '../../protocols/admin.ts'
import { eventually, PeergridProcess, runCli } from '../helpers/processes.ts'

const LIAR = fileURLToPath(new URL('../fixtures/liar-worker.ts', import.meta.url))

describe('a lying worker among honest ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-liar-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  const procs: PeergridProcess[] = []
  const liar = { pid: 0, peerId: '', kill: (): void => {} }
  afterAll(async () => {
    liar.kill()
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  it('gets the right answer, bans the liar, and shows it in peers --json', async () => {
    const coordinator = new PeergridProcess(['coordinator', '--json', '--data-dir', join(dir, 'c'), '--announce-interval', '300', '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    procs.push(coordinator)
    const addr = ((await coordinator.ready()).addresses as string[])[0]!
    for (let i = 0; i < 3; i++) {
      const w = new PeergridProcess(['worker', '--json', '--data-dir', join(dir, `w${i}`), '--threads', '1', '--nice', '0', '--bootstrap', addr], env)
      procs.push(w)
    }
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', LIAR, join(dir, 'liar'), addr], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    liar.kill = () => { child.kill('SIGKILL') }
    liar.peerId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the liar did not start')), 30_000)
      createInterface({ input: child.stdout }).on('line', (line) => {
        try { const e = JSON.parse(line) as { event: string, peerId: string }; if (e.event === 'ready') { clearTimeout(timer); resolve(e.peerId) } } catch {}
      })
    })
    await Promise.all(procs.slice(1).map(async (w) => await w.ready()))

    const job = { kind: 'primes', params: { from: 0, to: 30_000_000 }, units: 150, validation: 'credibility', maxMaliciousFraction: 0.2, errorRate: 1e-3, unitTimeoutMs: 20_000 }
    const file = join(dir, 'job.json')
    writeFileSync(file, JSON.stringify(job))
    const submitted = await runCli(['submit', file, '--coordinator', addr, '--wait', '--json'], env, 150_000)
    expect(submitted.stderr).toBe('')
    expect((JSON.parse(submitted.stdout) as { result: unknown }).result).toEqual({ count: countPrimes(0, 30_000_000) })

    const liarInfo = await eventually(async () => {
      const out = await runCli(['peers', '--coordinator', addr, '--json'], env)
      const peers = JSON.parse(out.stdout) as PeerInfo[]
      return peers.find((p) => p.id === liar.peerId && p.state === 'banned')
    }, 60_000, 'the liar to be banned', 500)
    expect(liarInfo.invalid).toBeGreaterThanOrEqual(1)
    const honest = (JSON.parse((await runCli(['peers', '--coordinator', addr, '--json'], env)).stdout) as PeerInfo[])
      .filter((p) => p.id !== liar.peerId && p.valid > 0)
    expect(honest.length).toBe(3)
    for (const p of honest) expect(p.state).not.toBe('banned')
    // Credit follows accepted answers: every accepted unit paid at least one honest peer its
    // worth (3 * 10^7 numbers at 6e8/s: 0.05 credit in all), and the liar earned nothing.
    for (const p of honest) expect(p.credit).toBeGreaterThan(0)
    expect(honest.reduce((sum, p) => sum + p.credit, 0)).toBeGreaterThanOrEqual(0.05 - 0.003)
    expect(liarInfo.credit).toBe(0)
  }, 180_000)
})
