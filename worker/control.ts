/**
 * The running worker's local control endpoint: HTTP over a Unix socket in its data
 * directory (`worker.sock`, mode 0600). A socket rather than a TCP port because only the
 * owner should reach it (file permissions say who), there is no port to pick or to leak
 * to the network, and finding it needs nothing but the data directory. `GET /status`
 * answers the worker's {@link WorkerStatus} as JSON; `POST /pause` and `POST /resume` pause
 * and resume it by its owner's hand, answering the status after the change.
 */
import { chmodSync, rmSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { join } from 'node:path'
import type { WorkerStatus } from './status.ts'

export const CONTROL_SOCKET = 'worker.sock'
/** Longest Unix socket path (sun_path is 108 bytes on Linux, 104 on macOS, with a final NUL). */
export const MAX_SOCKET_PATH_BYTES = 103

export class ControlSocketError extends Error {
  override name = 'ControlSocketError'
}

/** Nothing answers on the socket: no worker runs with that data directory. */
export class WorkerNotRunningError extends Error {
  override name = 'WorkerNotRunningError'
}

export function controlSocketPath (dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET)
}

function checkLength (path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ControlSocketError(`the control socket path ${path} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket allows; use a shorter --data-dir`)
  }
}

/** What the control endpoint can ask of the worker. */
export interface ControlTarget {
  status: () => WorkerStatus
  pause: () => void
  resume: () => void
}

export type ControlAction = 'status' | 'pause' | 'resume'

const ROUTES: Readonly<Record<ControlAction, { method: string, path: string }>> = {
  status: { method: 'GET', path: '/status' },
  pause: { method: 'POST', path: '/pause' },
  resume: { method: 'POST', path: '/resume' }
}

function actionOf (method: string | undefined, path: string | undefined): ControlAction | undefined {
  return (Object.keys(ROUTES) as ControlAction[]).find((a) => ROUTES[a].method === method && ROUTES[a].path === path)
}

export interface ControlServer {
  readonly path: string
  close: () => Promise<void>
}

/**
 * Serves `target` on `<dataDir>/worker.sock`. The caller holds the data directory's lock,
 * so a socket file already there was left by a worker that died, and is replaced.
 */
export async function serveControl (dataDir: string, target: ControlTarget): Promise<ControlServer> {
  const path = controlSocketPath(dataDir)
  checkLength(path)
  rmSync(path, { force: true })
  const server: Server = createServer((req, res) => {
    const action = actionOf(req.method, req.url)
    req.resume()
    if (action === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found: the control endpoint answers GET /status, POST /pause and POST /resume\n')
      return
    }
    if (action !== 'status') target[action]()
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(target.status()))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  chmodSync(path, 0o600)
  return {
    path,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(path, { force: true })
    }
  }
}

/** Asks the worker running with `dataDir` for its status, after pausing or resuming it if `action` says so. */
export async function requestStatus (dataDir: string, action: ControlAction = 'status', timeoutMs = 5_000): Promise<WorkerStatus> {
  const path = controlSocketPath(dataDir)
  checkLength(path)
  const { method, path: url } = ROUTES[action]
  return await new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: url, method, timeout: timeoutMs, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) { reject(new ControlSocketError(`the worker answered ${res.statusCode ?? '?'} on ${path}`)); return }
        try {
          resolve(JSON.parse(body) as WorkerStatus)
        } catch (err) {
          reject(new ControlSocketError(`the worker's answer on ${path} is not JSON: ${(err as Error).message}`))
        }
      })
    })
    req.on('timeout', () => req.destroy(new ControlSocketError(`the worker did not answer on ${path} within ${timeoutMs} ms`)))
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new WorkerNotRunningError(`no worker is running with data directory ${dataDir} (nothing answers on ${path})`))
      } else {
        reject(err)
      }
    })
    req.end()
  })
}
