/**
 * The grid end to end, as separate OS processes on 127.0.0.1: a coordinator and three
 * workers reached in three different ways, a primes job with quorum 2, the CLI as client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from '../../protocols/identity.ts'
import type { JobStatus } from '../../protocols/jobs.ts'
import { PeergridProcess, runCli } from '../helpers/processes.ts'
import { freePort } from '../helpers/ports.ts'

describe('grid of separate processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-grid-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  const procs: PeergridProcess[] = []
  const spawn = (args: string[]): PeergridProcess => { const p = new PeergridProcess([...args, '--json'], env); procs.push(p); return p }
  let tcpAddr: string
  let early: PeergridProcess
  let webrtcOnly: PeergridProcess
  let viaWorker: PeergridProcess

  beforeAll(async () => {
    // The coordinator's identity and port are fixed first so that a worker can be started
    // before the coordinator exists.
    const coordinatorDir = join(dir, 'coordinator')
    const peerId = peerIdFromPrivateKey(await loadOrCreateIdentity(coordinatorDir)).toString()
    const port = await freePort()
    tcpAddr = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`
    early = spawn(['worker', '--data-dir', join(dir, 'w-early'), '--threads', '1', '--nice', '0', '--bootstrap', tcpAddr, '--listen', '/ip4/127.0.0.1/tcp/0'])
    const earlyReady = await early.ready()

    const coordinator = spawn(['coordinator', '--data-dir', coordinatorDir, '--announce-interval', '300',
      '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--listen', '/ip4/127.0.0.1/udp/0/webrtc-direct'])
    const ready = await coordinator.ready()
    const webrtcAddr = (ready.addresses as string[]).find((a) => a.includes('/webrtc-direct/'))!
    expect(webrtcAddr).toBeDefined()

    webrtcOnly = spawn(['worker', '--data-dir', join(dir, 'w-webrtc'), '--threads', '1', '--nice', '0', '--transports', 'webrtc-direct', '--bootstrap', webrtcAddr])
    // This worker knows only the early worker; it must find the coordinator through the network.
    viaWorker = spawn(['worker', '--data-dir', join(dir, 'w-via'), '--threads', '1', '--nice', '0', '--transports', 'tcp', '--bootstrap', (earlyReady.addresses as string[])[0]!])
    await Promise.all([webrtcOnly.ready(), viaWorker.ready()])

    // A small job first, so that every worker has heard the coordinator before the real one.
    const warmup = join(dir, 'warmup.json')
    writeFileSync(warmup, JSON.stringify({ kind: 'primes', params: { from: 0, to: 1000 }, units: 1, quorum: 1 }))
    await runCli(['submit', warmup, '--coordinator', tcpAddr, '--json'], env)
    const coordinatorId = peerId
    await Promise.all([early, webrtcOnly, viaWorker].map(async (w) => await w.waitFor((e) => e.event === 'coordinator' && e.coordinator === coordinatorId, 30_000, 'coordinator found')))
  }, 90_000)

  afterAll(async () => {
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  it('computes π(10^8) over 100 units with quorum 2, every unit from two distinct peers', async () => {
    const jobFile = join(dir, 'primes.json')
    writeFileSync(jobFile, JSON.stringify({ kind: 'primes', params: { from: 0, to: 100_000_000 }, units: 100, quorum: 2 }))
    const submitted = await runCli(['submit', jobFile, '--coordinator', tcpAddr, '--wait', '--json'], env)
    expect(submitted.stderr).toBe('')
    expect(submitted.code).toBe(0)
    const outcome = JSON.parse(submitted.stdout) as { jobId: string, result: { count: number } }
    expect(outcome.result).toEqual({ count: 5_761_455 })

    const status = await runCli(['status', outcome.jobId, '--coordinator', tcpAddr, '--json'], env)
    expect(status.code).toBe(0)
    const job = JSON.parse(status.stdout) as JobStatus
    expect(job.state).toBe('completed')
    expect(job.units).toHaveLength(100)
    for (const unit of job.units) {
      expect(unit.state).toBe('accepted')
      expect(new Set(unit.acceptedPeers).size).toBeGreaterThanOrEqual(2)
    }
    // Every way of joining produced counted results: webrtc-direct only, and found through a worker.
    const contributors = new Set(job.units.flatMap((u) => u.acceptedPeers))
    const idOf = (p: PeergridProcess): string => p.events.find((e) => e.event === 'ready')!.peerId as string
    expect(contributors).toContain(idOf(early))
    expect(contributors).toContain(idOf(webrtcOnly))
    expect(contributors).toContain(idOf(viaWorker))
  }, 90_000)

  it('rejects a bad job file locally with exit code 2 and one line per problem', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ kind: 'primes', params: { from: 10, to: -1 }, units: 0 }))
    const result = await runCli(['submit', bad, '--coordinator', tcpAddr], env)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/units: must be >= 1/)
    expect(result.stderr).toMatch(/params\.to: must be >= 0/)
    const listed = JSON.parse((await runCli(['status', '--coordinator', tcpAddr, '--json'], env)).stdout) as { jobs: JobStatus[], total: number }
    expect(listed.jobs).toHaveLength(2) // the warm-up and primes jobs only: nothing was sent
    expect(listed.total).toBe(2)
  }, 30_000)
})
