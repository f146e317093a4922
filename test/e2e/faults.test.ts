/**
 * Faults with real processes and real signals: a worker killed mid-job, a coordinator
 * stopped and restarted mid-job on the same data directory, a worker joining mid-job.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { JobStatus } from '../../protocols/jobs.ts'
import { eventually, PeergridProcess, runCli } from '../helpers/processes.ts'
import { freePort } from '../helpers/ports.ts'

/**
 * π(2·10^9) = 98,222,287: 100 units of 2·10^7 numbers, some tens of ms each. Workers run at
 * normal priority here: at the default lowest priority the parallel test runner would starve
 * them into timeouts (which the grid survives, but slowly).
 */
const JOB = { kind: 'primes', params: { from: 0, to: 2_000_000_000 }, units: 100, quorum: 2, unitTimeoutMs: 3000, maxResults: 12 }
const EXPECTED = { count: 98_222_287 }

describe('faults', () => {
  let dir: string
  let env: Record<string, string>
  let procs: PeergridProcess[]
  const spawn = (args: string[]): PeergridProcess => { const p = new PeergridProcess([...args, '--json'], env); procs.push(p); return p }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'peergrid-faults-'))
    env = { PEERGRID_HOME: join(dir, 'home') }
    procs = []
  })
  afterEach(async () => {
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  async function startCoordinator (port: number): Promise<string> {
    const c = spawn(['coordinator', '--data-dir', join(dir, 'coordinator'), '--announce-interval', '300', '--listen', `/ip4/127.0.0.1/tcp/${port}`])
    return ((await c.ready()).addresses as string[])[0]!
  }

  const worker = (name: string, addr: string): PeergridProcess => spawn(['worker', '--data-dir', join(dir, name), '--threads', '1', '--nice', '0', '--bootstrap', addr])

  async function submit (addr: string): Promise<string> {
    const file = join(dir, 'job.json')
    writeFileSync(file, JSON.stringify(JOB))
    const out = await runCli(['submit', file, '--coordinator', addr, '--json'], env)
    expect(out.code).toBe(0)
    return (JSON.parse(out.stdout) as { jobId: string }).jobId
  }

  async function status (addr: string, jobId: string): Promise<JobStatus | undefined> {
    const out = await runCli(['status', jobId, '--coordinator', addr, '--json'], env, 30_000)
    return out.code === 0 ? JSON.parse(out.stdout) as JobStatus : undefined
  }

  async function resultOf (addr: string, jobId: string): Promise<unknown> {
    let last: JobStatus | undefined
    const done = await eventually(async () => { last = await status(addr, jobId) ?? last; return last?.state === 'completed' ? last : undefined }, 90_000, 'job completion', 500)
      .catch((err: Error) => {
        const open = last?.units.filter((u) => u.state !== 'accepted')
        throw new Error(`${err.message}; last status ${last?.unitsAccepted}/${last?.unitsTotal}, open units ${JSON.stringify(open)}; workers: ${procs.map((p) => p.stderr.slice(-500)).join(' | ')}`)
      })
    expect(done.unitsAccepted).toBe(JOB.units)
    const out = await runCli(['results', jobId, '--coordinator', addr, '--json'], env)
    return (JSON.parse(out.stdout) as { result: unknown }).result
  }

  it('a worker killed with SIGKILL mid-job: its leases expire, go to others, and the answer is right', async () => {
    const addr = await startCoordinator(await freePort())
    const victim = worker('victim', addr)
    const others = [worker('w1', addr), worker('w2', addr)]
    await Promise.all([victim, ...others].map(async (w) => await w.ready()))
    const jobId = await submit(addr)
    await victim.waitFor((e) => e.event === 'progress' && (e.unitsDone as number) >= 2, 60_000, 'victim progress')
    expect((await victim.stop('SIGKILL')).signal).toBe('SIGKILL')
    expect(await resultOf(addr, jobId)).toEqual(EXPECTED)
  }, 120_000)

  it('a coordinator stopped and restarted mid-job carries on; no unit is accepted twice; a late joiner gets work', async () => {
    const port = await freePort()
    let addr = await startCoordinator(port)
    const workers = [worker('w1', addr), worker('w2', addr)]
    await Promise.all(workers.map(async (w) => await w.ready()))
    const jobId = await submit(addr)
    const midway = await eventually(async () => { const s = await status(addr, jobId); return s != null && s.unitsAccepted >= 10 ? s : undefined }, 60_000, 'first accepted units', 200)
    expect(midway.unitsAccepted).toBeLessThan(JOB.units)

    const coordinator = procs[0]!
    expect((await coordinator.stop('SIGTERM')).code).toBe(0)
    addr = await startCoordinator(port)
    const late = worker('late', addr)
    const lateId = (await late.ready()).peerId as string

    expect(await resultOf(addr, jobId)).toEqual(EXPECTED)
    const final = (await status(addr, jobId))!
    expect(final.units.some((u) => u.peers.includes(lateId))).toBe(true)

    await procs[procs.length - 2]!.stop('SIGTERM')
    const db = new DatabaseSync(join(dir, 'coordinator', 'coordinator.db'), { readOnly: true })
    const counts = db.prepare("SELECT idx, COUNT(*) AS n FROM unit_events WHERE job_id = ? AND event = 'accepted' GROUP BY idx").all(jobId) as Array<{ n: number }>
    db.close()
    expect(counts).toHaveLength(JOB.units)
    expect(counts.every((c) => c.n === 1)).toBe(true)
  }, 150_000)
})
