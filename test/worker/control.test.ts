import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { ControlSocketError, controlSocketPath, requestStatus, serveControl, WorkerNotRunningError, type ControlTarget } from '../../worker/control.ts'
import type { WorkerStatus } from '../../worker/status.ts'

/** A stand-in worker whose status says how often it was asked and whether it is paused. */
function fakeWorker (): ControlTarget & { paused: boolean } {
  let calls = 0
  const target = {
    paused: false,
    status: () => ({ peerId: `call ${++calls}`, state: target.paused ? 'paused' : 'running' }) as unknown as WorkerStatus,
    pause: () => { target.paused = true },
    resume: () => { target.paused = false }
  }
  return target
}

async function send (path: string, method: string, url: string): Promise<number | undefined> {
  return await new Promise((resolve, reject) => {
    request({ socketPath: path, path: url, method, agent: false }, (res) => { res.resume(); resolve(res.statusCode) }).on('error', reject).end()
  })
}

describe('control socket', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'pg-ctl-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('answers the live status to a client, on a socket only its owner may open', async () => {
    const server = await serveControl(dir, fakeWorker())
    try {
      expect(statSync(server.path).mode & 0o777).toBe(0o600)
      expect((await requestStatus(dir)).peerId).toBe('call 1')
      expect((await requestStatus(dir)).peerId).toBe('call 2')
    } finally {
      await server.close()
    }
    await expect(requestStatus(dir)).rejects.toThrow(WorkerNotRunningError)
  })

  it('pauses and resumes the worker, answering the status after the change', async () => {
    const worker = fakeWorker()
    const server = await serveControl(dir, worker)
    try {
      expect((await requestStatus(dir, 'pause')).state).toBe('paused')
      expect(worker.paused).toBe(true)
      expect((await requestStatus(dir)).state).toBe('paused')
      expect((await requestStatus(dir, 'resume')).state).toBe('running')
      expect(worker.paused).toBe(false)
    } finally {
      await server.close()
    }
  })

  it('replaces a socket file left by a worker that died', async () => {
    writeFileSync(controlSocketPath(dir), 'stale')
    const server = await serveControl(dir, fakeWorker())
    try {
      expect((await requestStatus(dir)).peerId).toBe('call 1')
    } finally {
      await server.close()
    }
  })

  it('says plainly that no worker runs there', async () => {
    await expect(requestStatus(dir)).rejects.toThrow(`no worker is running with data directory ${dir} (nothing answers on ${join(dir, 'worker.sock')})`)
  })

  it.each([['GET', '/pause'], ['POST', '/status'], ['DELETE', '/resume'], ['GET', '/']])('answers 404 to %s %s and changes nothing', async (method, url) => {
    const worker = fakeWorker()
    const server = await serveControl(dir, worker)
    try {
      expect(await send(server.path, method, url)).toBe(404)
      expect(worker.paused).toBe(false)
    } finally {
      await server.close()
    }
  })

  it('refuses a data directory too deep for a Unix socket path, with what to do', async () => {
    const deep = join(dir, 'x'.repeat(120))
    await expect(serveControl(deep, fakeWorker())).rejects.toThrow(ControlSocketError)
    await expect(requestStatus(deep)).rejects.toThrow(/use a shorter --data-dir/)
  })
})
