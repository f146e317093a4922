/**
 * Chaos: one job across a coordinator process and four worker processes while the
 * coordinator is killed with SIGKILL at random moments (some while it is still starting)
 * and restarted on the same data directory and port, and workers are killed with SIGKILL
 * and restarted. Nothing may be lost or done twice: the merged result is π(2·10^9), the
 * audit table shows every unit accepted exactly once, and no lease is left active.
 *
 * The moments come from a seeded PRNG: the seed is in the test's name, and
 * PEERGRID_CHAOS_SEED=<n> replays (or, with a new value, explores) another schedule. A kill
 * waits for a number of accepted units rather than a time, so the coordinator dies during
 * the job however fast the machine is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { GridCluster } from '../helpers/grid-cluster.ts'
import { freePort } from '../helpers/ports.ts'
import { between, pick, seededRandom } from '../helpers/prng.ts'
import { eventually, runCli } from '../helpers/processes.ts'

const SEED = Number(process.env.PEERGRID_CHAOS_SEED ?? 20_240_611)

/** 150 units of about 1.3·10^7 numbers, some tens of ms each; π(2·10^9) = 98,222,287. */
const JOB = { kind: 'primes', params: { from: 0, to: 2_000_000_000 }, units: 150, quorum: 2, unitTimeoutMs: 3000, maxResults: 16 }
const EXPECTED = { count: 98_222_287 }
const COORDINATOR_KILLS = 6
const WORKERS = ['w0', 'w1', 'w2', 'w3']

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

describe('chaos', () => {
  let dir: string
  let env: Record<string, string>
  let cluster: GridCluster

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peergrid-chaos-'))
    env = { PEERGRID_HOME: join(dir, 'home') }
    // Normal priority: at the default lowest one the parallel test runner starves the units.
    cluster = new GridCluster({ dir, port: await freePort(), env, workerArgs: ['--threads', '1', '--nice', '0'] })
  })
  afterEach(async () => {
    await cluster.stopAll('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it(`loses nothing and accepts nothing twice through coordinator and worker SIGKILLs (seed ${SEED})`, async () => {
    const random = seededRandom(SEED)
    // Worker churn draws from its own stream, so it does not shift the coordinator's schedule.
    const churnRandom = seededRandom(SEED ^ 0x5bd1e995)
    const thresholds = Array.from({ length: COORDINATOR_KILLS }, () => Math.round(between(random, 0.04, 0.8) * JOB.units)).sort((a, b) => a - b)
    const started = Date.now()
    const log: string[] = []
    const note = (line: string): void => { log.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`) }
    const story = (): string => `seed ${SEED}; what happened:\n  ${log.join('\n  ')}`

    await cluster.startCoordinator()
    await Promise.all(WORKERS.map(async (name) => await cluster.startWorker(name).ready()))
    writeFileSync(join(dir, 'job.json'), JSON.stringify(JOB))
    const submitted = await runCli(['submit', join(dir, 'job.json'), '--coordinator', cluster.address, '--json'], env, 60_000)
    expect(submitted.code).toBe(0)
    const { jobId } = JSON.parse(submitted.stdout) as { jobId: string }
    note(`submitted ${jobId}`)

    const accepted = (): number => cluster.read((db) => count(db, "SELECT COUNT(DISTINCT idx) AS n FROM unit_events WHERE job_id = ? AND event = 'accepted'", jobId))
    const jobState = (): string | undefined => cluster.read((db) => (db.prepare('SELECT state FROM jobs WHERE id = ?').get(jobId) as { state: string } | undefined)?.state)

    let finished = false
    let workerKills = 0
    const churn = (async () => {
      while (!finished) {
        await sleep(between(churnRandom, 1500, 4000))
        if (finished) return
        const name = pick(churnRandom, [...cluster.workers.keys()])
        await cluster.stopWorker(name, 'SIGKILL')
        workerKills++
        note(`SIGKILL worker ${name}`)
        await sleep(between(churnRandom, 200, 1500))
        if (finished) return
        cluster.startWorker(name)
        note(`restarted worker ${name}`)
      }
    })()

    let coordinatorKills = 0
    try {
      for (const threshold of thresholds) {
        await eventually(() => accepted() >= threshold ? true : undefined, 90_000, `${threshold} accepted units`, 50)
        await sleep(between(random, 0, 600))
        await cluster.stopCoordinator('SIGKILL')
        coordinatorKills++
        note(`SIGKILL coordinator with ${accepted()}/${JOB.units} accepted`)
        await sleep(between(random, 0, 800))
        if (random() < 0.3) {
          // Again while it starts: opening the database, rebuilding the scheduler, listening.
          cluster.spawnCoordinator()
          await sleep(between(random, 100, 1200))
          await cluster.stopCoordinator('SIGKILL')
          coordinatorKills++
          note('SIGKILL coordinator while starting')
        }
        await cluster.startCoordinator()
        note('coordinator restarted')
      }
      await eventually(() => jobState() === 'completed' ? true : undefined, 90_000, 'job completion', 200)
      note('job completed')
    } catch (err) {
      throw new Error(`${(err as Error).message}; ${story()}`)
    } finally {
      finished = true
      await churn
    }

    expect(coordinatorKills).toBeGreaterThanOrEqual(5)
    expect(workerKills).toBeGreaterThanOrEqual(2)
    const results = await runCli(['results', jobId, '--coordinator', cluster.address, '--json'], env, 60_000)
    expect({ code: results.code, result: (JSON.parse(results.stdout) as { result: unknown }).result }).toEqual({ code: 0, result: EXPECTED })
    await cluster.stopAll('SIGTERM')

    const audit = cluster.read((db) => ({
      acceptedPerUnit: db.prepare("SELECT idx, COUNT(*) AS n FROM unit_events WHERE job_id = ? AND event = 'accepted' GROUP BY idx ORDER BY idx").all(jobId) as Array<{ idx: number, n: number }>,
      activeLeases: count(db, "SELECT COUNT(*) AS n FROM leases WHERE state = 'active'"),
      // The quorum held across the crashes: each accepted output was returned by two distinct peers.
      underQuorum: db.prepare(`SELECT u.idx, (SELECT COUNT(DISTINCT r.peer) FROM results r
        WHERE r.job_id = u.job_id AND r.idx = u.idx AND r.digest = u.digest AND r.counted = 1) AS peers
        FROM units u WHERE u.job_id = ?`).all(jobId).filter((u) => Number((u as { peers: number }).peers) < JOB.quorum),
      job: db.prepare('SELECT state, units_accepted, units_failed FROM jobs WHERE id = ?').get(jobId)
    }))
    const twice = audit.acceptedPerUnit.filter((u) => u.n !== 1)
    expect({ units: audit.acceptedPerUnit.length, acceptedTwice: twice, activeLeases: audit.activeLeases, underQuorum: audit.underQuorum, job: audit.job })
      .toEqual({ units: JOB.units, acceptedTwice: [], activeLeases: 0, underQuorum: [], job: { state: 'completed', units_accepted: JOB.units, units_failed: 0 } })
    console.log(`chaos: ${coordinatorKills} coordinator and ${workerKills} worker SIGKILLs, ${((Date.now() - started) / 1000).toFixed(1)} s; ${story()}`)
  }, 170_000)
})

function count (db: DatabaseSync, sql: string, ...params: string[]): number {
  return Number((db.prepare(sql).get(...params) as { n: number }).n)
}
