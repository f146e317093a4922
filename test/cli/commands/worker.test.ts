/** `peergrid worker` settings and `peergrid worker status` as a volunteer meets them: real processes, real exit codes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { freePort } from '../../helpers/ports.ts'
import { PeergridProcess, runCli } from '../../helpers/processes.ts'

describe('peergrid worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-wcli-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

  /** A coordinator address that nobody answers: the worker keeps dialling it, which is all these tests need. */
  const nowhere = async (): Promise<string> => `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()}`

  it.each<{ name: string, args: string[], env: Record<string, string>, file: Record<string, unknown> | undefined, line: string }>([
    {
      name: 'a bad flag',
      args: ['--cpu-percent', '150'],
      env: {},
      file: undefined,
      line: 'peergrid: invalid setting --cpu-percent: must be an integer from 1 to 100 (got "150")'
    },
    {
      name: 'a bad environment variable',
      args: [],
      env: { PEERGRID_WORKER_SCHEDULE: '25:00-01:00' },
      file: undefined,
      line: 'peergrid: invalid setting PEERGRID_WORKER_SCHEDULE (environment): "25:00-01:00" has a time that does not exist; use 00:00 to 23:59 (24:00 may end a window) (got "25:00-01:00")'
    },
    {
      name: 'a bad config file value',
      args: [],
      env: {},
      file: { idleThreshold: 'high' },
      line: 'peergrid: invalid setting "idleThreshold" in DATA/worker.json: must be an integer from 1 to 100 (got "high")'
    }
  ])('refuses $name with one line naming it, exit code 2, nothing started', async ({ name, args, env: extra, file, line }) => {
    const dataDir = join(dir, name.replaceAll(' ', '-'))
    if (file !== undefined) { mkdirSync(dataDir, { recursive: true }); writeFileSync(join(dataDir, 'worker.json'), JSON.stringify(file)) }
    const out = await runCli(['worker', '--data-dir', dataDir, '--bootstrap', await nowhere(), ...args], { ...env, ...extra }, 30_000)
    expect(out.code).toBe(2)
    expect(out.stderr).toBe(line.replace('DATA', dataDir) + '\n')
    expect(out.stdout).toBe('')
  }, 30_000)

  it('takes flags over the environment over the config file, and answers status, pause and resume on its control socket', async () => {
    const dataDir = join(dir, 'layered')
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(join(dataDir, 'worker.json'), JSON.stringify({ cpuPercent: 30, idleOnly: true, schedule: '00:00-24:00', nice: 7 }))
    const worker = new PeergridProcess(['worker', '--data-dir', dataDir, '--bootstrap', await nowhere(), '--threads', '1', '--cpu-percent', '40', '--json'],
      { ...env, PEERGRID_WORKER_CPU_PERCENT: '60', PEERGRID_WORKER_NICE: '5' })
    try {
      const ready = await worker.ready()
      expect(ready.budget).toEqual({ cpuPercent: 40, idleOnly: true, schedule: '00:00-24:00' })
      const status = await runCli(['worker', 'status', '--data-dir', dataDir, '--json'], env, 30_000)
      expect(status.code).toBe(0)
      const parsed = JSON.parse(status.stdout) as Record<string, unknown>
      expect(parsed).toMatchObject({ peerId: ready.peerId, pid: ready.pid, budget: { threads: 1, cpuPercent: 40, idleOnly: true, nice: 5 }, coordinators: [] })
      const text = await runCli(['worker', 'status', '--data-dir', dataDir], env, 30_000)
      expect(text.stdout).toContain(`worker ${ready.peerId as string}`)
      expect(text.stdout).toMatch(/^budget: {5}1 thread at nice 5, 40% CPU, idle-only/m)

      const paused = await runCli(['worker', 'pause', '--data-dir', dataDir, '--json'], env, 30_000)
      expect(JSON.parse(paused.stdout)).toMatchObject({ state: 'paused', pausedFor: expect.arrayContaining(['user']) })
      await worker.waitFor((e) => e.event === 'paused' && (e.reasons as string[]).includes('user'), 10_000, 'the paused event')
      expect((await runCli(['worker', 'status', '--data-dir', dataDir], env, 30_000)).stdout).toMatch(/^state: {6}paused: .*paused by its owner/m)
      const resumed = await runCli(['worker', 'resume', '--data-dir', dataDir, '--json'], env, 30_000)
      expect((JSON.parse(resumed.stdout) as { pausedFor: string[] }).pausedFor).not.toContain('user')
      expect((await worker.stop('SIGTERM')).code).toBe(0)
    } finally {
      await worker.stop('SIGKILL')
    }
  }, 60_000)

  it('worker status says when no worker runs there, exit code 1', async () => {
    const dataDir = join(dir, 'nobody')
    const out = await runCli(['worker', 'status', '--data-dir', dataDir], env, 30_000)
    expect(out.code).toBe(1)
    expect(out.stderr).toBe(`peergrid: no worker is running with data directory ${dataDir} (nothing answers on ${join(dataDir, 'worker.sock')}); start one with \`peergrid worker\` or pass its --data-dir\n`)
  }, 30_000)
})
