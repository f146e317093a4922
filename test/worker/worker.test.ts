/**
 * The worker's pause and resume against a real coordinator in this process over loopback
 * libp2p: by hand, by a schedule on a simulated calendar, leases handed back, the status;
 * and finding a coordinator that starts after the worker.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { JobsClient } from '../../coordinator/client.ts'
import { createCoordinator, type Coordinator } from '../../coordinator/coordinator.ts'
import { loadOrCreateIdentity } from '../../protocols/identity.ts'
import { createPeerGridNode } from '../../protocols/node.ts'
import { systemBudgetClock } from '../../worker/budget.ts'
import { parseSchedule } from '../../worker/schedule.ts'
import type { WorkerState } from '../../worker/status.ts'
import { createWorker, type Worker } from '../../worker/worker.ts'
import { freePort } from '../helpers/ports.ts'
import { eventually } from '../helpers/processes.ts'

/** Units of 2·10^7 numbers, some tens of ms each, far more than the tests run. */
const JOB = { kind: 'primes', params: { from: 0, to: 40_000_000_000 }, units: 2000, quorum: 1, unitTimeoutMs: 120_000 }

describe('Worker pause and resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-worker-'))
  let coordinator: Coordinator
  let client: JobsClient
  let worker: Worker | undefined
  let jobId: string

  beforeAll(async () => {
    coordinator = createCoordinator({ dataDir: join(dir, 'c'), listen: ['/ip4/127.0.0.1/tcp/0'], announceIntervalMs: 200 })
    await coordinator.start()
    client = await JobsClient.connect({ coordinator: coordinator.multiaddrs[0]! })
    jobId = (await client.submit(JSON.stringify(JOB))).jobId
  }, 30_000)
  afterEach(async () => { await worker?.stop() })
  afterAll(async () => {
    await client.close()
    await coordinator.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const leasedTo = async (peerId: string): Promise<number> => {
    const [job] = await client.status(jobId, true)
    return job!.units.filter((u) => u.state === 'leased' && u.peers.includes(peerId)).length
  }

  it('stops starting units while paused by hand, reports why, and carries on when resumed', async () => {
    const w = worker = createWorker({ dataDir: join(dir, 'w1'), bootstrap: [coordinator.multiaddrs[0]!], threads: 1, niceIncrement: 0 })
    const states: WorkerState[] = []
    w.on('state', (s) => states.push(s))
    await w.start()
    await eventually(() => w.unitsDone >= 3 ? true : undefined, 30_000, 'units done')

    w.pause('user')
    expect(w.state).toEqual({ state: 'paused', pausedFor: ['user'] })
    const atPause = w.unitsDone
    await new Promise((resolve) => setTimeout(resolve, 1000))
    // The unit running at the pause may finish; none starts.
    expect(w.unitsDone).toBeLessThanOrEqual(atPause + 1)
    const paused = w.status()
    expect(paused).toMatchObject({ state: 'paused', pausedFor: ['user'], units: { running: 0 } })

    w.resume('user')
    await eventually(() => w.unitsDone >= atPause + 3 ? true : undefined, 30_000, 'units after resuming')
    expect(states).toEqual([{ state: 'paused', pausedFor: ['user'] }, { state: 'running', pausedFor: [] }])
  }, 60_000)

  it('pauses outside its schedule, hands back the leases it could not start in time, and resumes when the window opens', async () => {
    // The calendar is simulated: 12:00 inside 09:00-17:00, then 18:00, the window reopening at 09:00.
    let date = new Date(2025, 0, 15, 12, 0)
    const budgetClock = { ...systemBudgetClock(), date: () => date }
    const w = worker = createWorker({ dataDir: join(dir, 'w2'), bootstrap: [coordinator.multiaddrs[0]!], threads: 1, niceIncrement: 0, prefetch: 6, budget: { schedule: parseSchedule('09:00-17:00') }, budgetClock })
    const released: number[] = []
    w.on('leases:released', ({ count }) => released.push(count))
    await w.start()
    const peerId = w.peerId
    await eventually(() => w.unitsDone >= 3 && w.status().units.queued >= 3 ? true : undefined, 30_000, 'leases queued')

    date = new Date(2025, 0, 15, 18, 0)
    // A pull already in flight at the pause may still bring leases; the next tick hands them back too.
    await eventually(() => w.paused && released.length > 0 && w.status().units.queued === 0 ? true : undefined, 5_000, 'hand-back')
    const status = w.status()
    const now = Date.now()
    expect(status).toMatchObject({ state: 'paused', pausedFor: ['schedule'], units: { queued: 0 } })
    // 15 hours from 18:00 to 09:00 on the (frozen) calendar, as of the last budget reading.
    expect(status.resumesAtMs! - now).toBeGreaterThan(15 * 3600_000 - 1000)
    expect(status.resumesAtMs! - now).toBeLessThanOrEqual(15 * 3600_000)
    expect(status.units.handedBack).toBe(released.reduce((a, b) => a + b, 0))
    // Leases last two minutes: only the hand-back explains that the coordinator has them back.
    await eventually(async () => await leasedTo(peerId) <= 1 ? true : undefined, 5_000, 'the coordinator to take the leases back')

    const atPause = w.unitsDone
    date = new Date(2025, 0, 16, 9, 0)
    await eventually(() => w.unitsDone >= atPause + 3 ? true : undefined, 30_000, 'units once the window opens')
    expect(w.state.state).toBe('running')
  }, 60_000)

  it('reports its memory: the whole process, its main heap and its unit threads\' heaps', async () => {
    const w = worker = createWorker({ dataDir: join(dir, 'w4'), bootstrap: [coordinator.multiaddrs[0]!], threads: 1, niceIncrement: 0 })
    await w.start()
    const threads = await eventually(() => w.status().memory.threadHeaps ?? undefined, 20_000, 'the unit thread\'s heap to be measured', 100)
    const { rssBytes, mainHeap } = w.status().memory
    expect(threads.threads).toBe(1)
    expect(threads.usedBytes).toBeGreaterThan(0)
    expect(threads.committedBytes).toBeGreaterThanOrEqual(threads.usedBytes)
    expect(mainHeap.committedBytes).toBeGreaterThanOrEqual(mainHeap.usedBytes)
    // The resident set holds both heaps (committed pages need not all be resident, so used).
    expect(rssBytes).toBeGreaterThan(mainHeap.usedBytes + threads.usedBytes)
  }, 40_000)

  it('shows the credit and reputation its coordinator reports on every reply', async () => {
    const w = worker = createWorker({ dataDir: join(dir, 'w3'), bootstrap: [coordinator.multiaddrs[0]!], threads: 1, niceIncrement: 0 })
    await w.start()
    await eventually(() => w.unitsDone >= 3 ? true : undefined, 30_000, 'units done')
    w.pause('user')
    // Once its last results are acknowledged, the worker knows what the coordinator holds.
    const truth = (): number => Math.round(coordinator.scheduler.creditOf(w.peerId) * 1000) / 1000
    const standing = await eventually(() => {
      const c = w.status().coordinators[0]
      return w.status().units.running === 0 && c?.credit != null && c.credit > 0 && c.credit === truth() ? c : undefined
    }, 15_000, 'the credit the worker shows to match the coordinator\'s', 50)
    expect(standing.peerId).toBe(coordinator.peerId)
    // Each unit (2·10^7 numbers) is worth 1/30 credit, and quorum 1 accepts every one done.
    const units = standing.credit! * 30
    expect(Math.abs(units - Math.round(units))).toBeLessThan(0.05)
    expect(Math.round(units)).toBeLessThanOrEqual(w.unitsDone)
    expect(standing.reputation!.score).toBeGreaterThan(0.5)
    expect(standing.reputation!.state).toBe(coordinator.scheduler.peers.reputation(w.peerId).state)
    expect(w.status().credit).toBe(standing.credit)
  }, 60_000)
})

describe('Worker bootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-worker-boot-'))
  const stops: Array<() => Promise<void>> = []
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps dialling a coordinator that starts late even while another peer is connected to it', async () => {
    const coordinatorDir = join(dir, 'c')
    const coordinatorId = peerIdFromPrivateKey(await loadOrCreateIdentity(coordinatorDir)).toString()
    const port = await freePort()
    const w = createWorker({ dataDir: join(dir, 'w'), bootstrap: [`/ip4/127.0.0.1/tcp/${port}/p2p/${coordinatorId}`], listen: ['/ip4/127.0.0.1/tcp/0'], threads: 1, niceIncrement: 0 })
    await w.start()
    stops.push(async () => { await w.stop() })
    // A peer that knows nobody else, as a worker that bootstrapped from this one would be.
    const stranger = await createPeerGridNode({ privateKey: await generateKeyPair('Ed25519'), listen: [], pubsub: false })
    await stranger.start()
    stops.push(async () => { await stranger.stop() })
    await stranger.dial(multiaddr(w.multiaddrs[0]!))

    const coordinator = createCoordinator({ dataDir: coordinatorDir, listen: [`/ip4/127.0.0.1/tcp/${port}`], announceIntervalMs: 200 })
    await coordinator.start()
    stops.push(async () => { await coordinator.stop() })
    const connected = (): boolean => w.node.getConnections().some((c) => c.remotePeer.toString() === coordinatorId)
    // Redials back off to at most 10 s, so 20 s covers one full wait with room to spare.
    expect(await eventually(() => connected() ? true : undefined, 20_000, 'the worker to reach its bootstrap coordinator', 100)).toBe(true)
  }, 40_000)
})
