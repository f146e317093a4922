/**
 * The dashboard's HTTP server (node:http): the single-page app, its JSON API, the live event
 * stream and Prometheus metrics. Bound to loopback by default; reading is open to whoever
 * can reach it, banning needs the admin token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import { logger } from '@libp2p/logger'
import { apiRoutes, errorReply, type ApiHandler, type Reply } from './api.ts'
import { loadAssets, type AssetTable } from './assets.ts'
import { LiveFeed } from './live-feed.ts'
import type { Router } from './router.ts'
import type { DashboardSource } from './source.ts'

const log = logger('peergrid:dashboard')

export const DEFAULT_HTTP_HOST = '127.0.0.1'
export const DEFAULT_HTTP_PORT = 7070

export interface DashboardInit {
  readonly source: DashboardSource
  readonly host?: string
  /** 0 for any free port. */
  readonly port?: number
  /** When the port is taken, listen on any free port instead of failing (for the default port). */
  readonly fallbackToFreePort?: boolean
  readonly pushIntervalMs?: number
}

export class DashboardError extends Error {
  override name = 'DashboardError'
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer'
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

const isLoopback = (host: string): boolean => LOOPBACK_NAMES.has(host) || host.startsWith('127.')

/** The host part of a Host header, without the port. */
function hostName (header: string | undefined): string {
  if (header == null) return ''
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header.trim().toLowerCase())
  return match?.[1] ?? ''
}

/** The address to show people: an unspecified bind address is reached through loopback. */
export function displayUrl (host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `http://${isIP(shown) === 6 ? `[${shown}]` : shown}:${port}/`
}

export class DashboardServer {
  readonly #init: DashboardInit
  readonly #host: string
  readonly #feed: LiveFeed
  readonly #routes: Router<ApiHandler>
  readonly #assets: AssetTable
  readonly #server: Server
  #port = 0

  constructor (init: DashboardInit) {
    this.#init = init
    this.#host = init.host ?? DEFAULT_HTTP_HOST
    this.#feed = new LiveFeed(init.source, init.pushIntervalMs != null ? { pushIntervalMs: init.pushIntervalMs } : {})
    this.#routes = apiRoutes(init.source, this.#feed)
    this.#assets = loadAssets()
    this.#server = createServer((req, res) => { this.#handle(req, res) })
  }

  get port (): number { return this.#port }
  get url (): string { return displayUrl(this.#host, this.#port) }

  async start (): Promise<void> {
    const port = this.#init.port ?? DEFAULT_HTTP_PORT
    try {
      await this.#listen(port)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE' && this.#init.fallbackToFreePort === true) {
        log('port %d is in use; the dashboard takes any free port', port)
        await this.#listen(0)
      } else if (code === 'EADDRINUSE') {
        throw new DashboardError(`the dashboard cannot listen on ${this.#host}:${port}: the port is in use (pass another --http-port, 0 for any free port, or --no-http)`)
      } else {
        throw new DashboardError(`the dashboard cannot listen on ${this.#host}:${port}: ${(err as Error).message} (check --http-host)`)
      }
    }
    this.#port = (this.#server.address() as { port: number }).port
    this.#feed.start()
    log('dashboard on %s', this.url)
  }

  async #listen (port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, this.#host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
  }

  async stop (): Promise<void> {
    this.#feed.stop()
    if (!this.#server.listening) return
    const closed = new Promise<void>((resolve) => this.#server.close(() => { resolve() }))
    this.#server.closeAllConnections()
    await closed
  }

  #handle (req: IncomingMessage, res: ServerResponse): void {
    req.resume() // no route reads a body; drain it so keep-alive works
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v)
    // A page on another site whose name resolves to 127.0.0.1 must not read a loopback dashboard.
    if (isLoopback(this.#host) && !isLoopback(hostName(req.headers.host))) {
      this.#reply(req, res, errorReply(421, 'this dashboard answers only to localhost, 127.0.0.1 or [::1] in the Host header'))
      return
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const method = req.method ?? 'GET'
    if (path === '/api/events') {
      if (method !== 'GET') { this.#reply(req, res, errorReply(405, 'the event stream is read with GET', { Allow: 'GET' })); return }
      if (!this.#feed.attach(req, res)) this.#reply(req, res, errorReply(503, 'too many browsers follow this dashboard; close one and retry', { 'Retry-After': '5' }))
      return
    }
    if (path.startsWith('/api/') || path === '/metrics') {
      this.#reply(req, res, this.#api(method, path, req.headers.authorization))
      return
    }
    this.#static(req, res, method, path)
  }

  #api (method: string, path: string, authorization: string | undefined): Reply {
    const match = this.#routes.match(method, path)
    if (match.kind === 'not-found') return errorReply(404, `no API endpoint ${path}; see the dashboard README for the list`)
    if (match.kind === 'wrong-method') return errorReply(405, `${path} does not answer ${method}; it answers ${match.allow.join(', ')}`, { Allow: match.allow.join(', ') })
    try {
      return match.handler({ params: match.params, authorization })
    } catch (err) {
      log.error('%s %s failed: %e', method, path, err)
      return errorReply(500, 'the coordinator failed on this request; see its log (DEBUG=peergrid:dashboard)')
    }
  }

  #static (req: IncomingMessage, res: ServerResponse, method: string, path: string): void {
    if (method !== 'GET' && method !== 'HEAD') { this.#reply(req, res, errorReply(405, 'only GET and HEAD', { Allow: 'GET, HEAD' })); return }
    const asset = this.#assets.assets.get(path)
    if (asset == null) { this.#reply(req, res, { status: 404, body: 'not found\n', mediaType: 'text/plain; charset=utf-8' }); return }
    res.setHeader('Content-Security-Policy', this.#assets.csp)
    res.setHeader('ETag', asset.etag)
    res.setHeader('Cache-Control', asset.cacheControl)
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304).end()
      return
    }
    res.writeHead(200, { 'Content-Type': asset.mediaType, 'Content-Length': asset.body.length })
    res.end(method === 'HEAD' ? undefined : asset.body)
  }

  #reply (req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    const body = 'json' in reply ? Buffer.from(JSON.stringify(reply.json)) : Buffer.from(reply.body)
    res.writeHead(reply.status, {
      'Content-Type': 'json' in reply ? 'application/json; charset=utf-8' : reply.mediaType,
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      ...reply.headers
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}

export async function startDashboard (init: DashboardInit): Promise<DashboardServer> {
  const server = new DashboardServer(init)
  await server.start()
  return server
}
