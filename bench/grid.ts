/**
 * Grid efficiency: a coordinator process and one worker process on this machine (quorum 1,
 * the worker with the same threads as the local engine) against the local engine on the
 * same kernel, units and threads. Ratio = grid units/s ÷ local units/s, both measured here.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JobsClient } from '../coordinator/client.ts'
import { createEngine } from '../worker/engine.ts'
import { runLocal } from '../worker/local-runner.ts'
import { PeergridProcess } from '../test/helpers/processes.ts'
import { median, primesJob, spanFor } from './calibrate.ts'

export interface GridReport { unitMs: number, units: number, threads: number, localRate: number, gridRate: number, ratio: number }

async function gridSeconds (client: JobsClient, job: object): Promise<number> {
  const { jobId } = await client.submit(JSON.stringify(job))
  for (;;) {
    const [status] = await client.status(jobId)
    if (status != null && status.state !== 'running') {
      if (status.state !== 'completed') throw new Error(`benchmark job ${jobId} ended ${status.state}`)
      return (status.finishedMs! - status.createdMs) / 1000
    }
    // The coordinator stamps finishedMs itself, so a slow poll costs no accuracy and little CPU.
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

export async function benchGrid (settings: Array<{ unitMs: number, units: number }>, threads = 2, repeats = 3): Promise<GridReport[]> {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-bench-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  const coordinator = new PeergridProcess(['coordinator', '--json', '--data-dir', join(dir, 'c'), '--listen', '/ip4/127.0.0.1/tcp/0'], env)
  const worker = new PeergridProcess(['worker', '--json', '--data-dir', join(dir, 'w'), '--threads', String(threads), '--bootstrap', ((await coordinator.ready()).addresses as string[])[0]!], env)
  const engine = createEngine({ threads })
  const reports: GridReport[] = []
  try {
    await worker.ready()
    const client = await JobsClient.connect({ coordinator: ((await coordinator.ready()).addresses as string[])[0]! })
    engine.start()
    try {
      await gridSeconds(client, primesJob(100_000, 8)) // the worker finds the coordinator and warms its threads
      for (const { unitMs, units } of settings) {
        const job = primesJob(spanFor(unitMs), units)
        await runLocal(engine, job)
        const local: number[] = []
        const grid: number[] = []
        for (let i = 0; i < repeats; i++) {
          const report = await runLocal(engine, job)
          local.push(units / (report.wallMs / 1000))
          grid.push(units / await gridSeconds(client, job))
        }
        const localRate = median(local)
        const gridRate = median(grid)
        reports.push({ unitMs, units, threads, localRate, gridRate, ratio: gridRate / localRate })
      }
    } finally {
      await client.close()
    }
  } finally {
    await engine.stop()
    await worker.stop()
    await coordinator.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return reports
}
