/** A coordinator and a worker in one process over real loopback libp2p: results larger than requests. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PNG } from 'pngjs'
import { JobsClient } from '../../coordinator/client.ts'
import { createCoordinator, type Coordinator } from '../../coordinator/coordinator.ts'
import { MAX_FRAME_BYTES } from '../../protocols/constants.ts'
import { createWorker, type Worker } from '../../worker/worker.ts'

describe('Coordinator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-coord-'))
  let coordinator: Coordinator
  let worker: Worker
  let client: JobsClient

  beforeAll(async () => {
    coordinator = createCoordinator({ dataDir: join(dir, 'c'), listen: ['/ip4/127.0.0.1/tcp/0'], announceIntervalMs: 200 })
    await coordinator.start()
    worker = createWorker({ dataDir: join(dir, 'w'), bootstrap: [coordinator.multiaddrs[0]!], threads: 2, niceIncrement: 0 })
    await worker.start()
    client = await JobsClient.connect({ coordinator: coordinator.multiaddrs[0]! })
  })
  afterAll(async () => {
    await client.close()
    await worker.stop()
    await coordinator.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves a result file larger than the largest request frame', async () => {
    // Noise makes PNG compression useless, so a high-iteration render of a busy region is big.
    const spec = { kind: 'mandelbrot', params: { width: 1600, height: 1200, centerX: -0.7436, centerY: 0.1318, scale: 0.003, maxIterations: 300 }, units: 24, quorum: 1 }
    const { jobId } = await client.submit(JSON.stringify(spec))
    await new Promise<void>((resolve) => {
      const onFinished = ({ jobId: id }: { jobId: string }): void => { if (id === jobId) { coordinator.scheduler.off('job:finished', onFinished); resolve() } }
      coordinator.scheduler.on('job:finished', onFinished)
      if (coordinator.store.getJob(jobId)?.state !== 'running') resolve()
    })
    const result = await client.result(jobId)
    expect(result.file.byteLength).toBeGreaterThan(MAX_FRAME_BYTES.jobRequest)
    const png = PNG.sync.read(Buffer.from(result.file))
    expect([png.width, png.height]).toEqual([1600, 1200])
  }, 150_000)
})
