/**
 * The dashboard's HTTP API on a real store and scheduler (no network but loopback HTTP):
 * JSON shapes, result files, authorisation, errors, metrics, static files and the live feed.
 * Peers A, B and C are honest, L lies once; every expected number follows from that script.
 */
import { request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PNG } from 'pngjs'
import { getKind } from '../../jobs/registry.ts'
import { Scheduler, type IssuedLease } from '../../coordinator/scheduler.ts'
import { Store } from '../../coordinator/store.ts'
import { DashboardError, DashboardServer, displayUrl } from '../../dashboard/server.ts'
import type { JobDetail, JobSummary, PeerDetail, PeerSummary } from '../../dashboard/views.ts'

const TOKEN = 'admin-token-for-tests-0123456789'

const honest = (lease: IssuedLease): Uint8Array => {
  const kind = getKind(lease.kind)
  return kind.encodeOutput(kind.run(kind.parseUnit(JSON.parse(lease.payload))))
}
const lie = (lease: IssuedLease): Uint8Array => {
  const primes = getKind('primes')
  const { count } = primes.run(primes.parseUnit(JSON.parse(lease.payload))) as { count: number }
  return primes.encodeOutput({ count: count + 1 })
}

describe('dashboard HTTP API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-dashboard-'))
  const store = new Store(dir)
  const scheduler = new Scheduler(store)
  const server = new DashboardServer({
    source: { store, scheduler, adminToken: TOKEN, connections: () => ['A', 'A', 'X'] },
    host: '127.0.0.1',
    port: 0,
    pushIntervalMs: 50
  })
  let base = ''
  const jobs = { primes: '', disputed: '', mandelbrot: '' }

  const complete = (peer: string, leases: IssuedLease[], output = honest): void => {
    scheduler.report(peer, leases.map((l) => ({ leaseId: l.id, status: 'ok' as const, output: output(l) })))
  }

  beforeAll(async () => {
    await server.start()
    base = server.url
    jobs.primes = scheduler.addJob({ kind: 'primes', params: { from: 0, to: 10_000 }, units: 4 }, 'client').jobId
    const a = scheduler.lease('A', 10)
    const b = scheduler.lease('B', 10)
    complete('A', a)
    complete('B', b)
    jobs.disputed = scheduler.addJob({ kind: 'primes', params: { from: 0, to: 1000 }, units: 1 }, 'client').jobId
    complete('A', scheduler.lease('A', 1))
    complete('L', scheduler.lease('L', 1), lie)
    complete('C', scheduler.lease('C', 1))
    jobs.mandelbrot = scheduler.addJob({ kind: 'mandelbrot', params: { width: 16, height: 8, centerX: -0.5, centerY: 0, scale: 0.2, maxIterations: 50 }, units: 2, quorum: 1 }, 'client').jobId
    complete('A', scheduler.lease('A', 2))
  })

  afterAll(async () => {
    await server.stop()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number, body: T, headers: Headers }> => {
    const res = await fetch(new URL(path, base), init)
    return { status: res.status, body: await res.json() as T, headers: res.headers }
  }
  const post = async <T>(path: string, token?: string): Promise<{ status: number, body: T, headers: Headers }> =>
    await get<T>(path, { method: 'POST', headers: token != null ? { Authorization: `Bearer ${token}` } : {} })

  it('lists peers with their reputation and whether they are connected', async () => {
    const { status, body, headers } = await get<PeerSummary[]>('/api/peers')
    expect(status).toBe(200)
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8')
    const byId = Object.fromEntries(body.map((p) => [p.id, p]))
    expect(Object.keys(byId).sort()).toEqual(['A', 'B', 'C', 'L'])
    expect(byId.A).toMatchObject({ valid: 7, invalid: 0, state: 'probation', online: true })
    expect(byId.B).toMatchObject({ valid: 4, online: false })
    expect(byId.C).toMatchObject({ valid: 1, online: false })
    // One lie halves the score a newcomer starts with (0.5).
    expect(byId.L).toMatchObject({ valid: 0, invalid: 1, score: 0.25, state: 'probation' })
    expect(Object.keys(byId.L!).sort()).toEqual(['address', 'credit', 'errors', 'firstSeenMs', 'id', 'invalid', 'lastSeenMs', 'online', 'score', 'spotFailed', 'spotPassed', 'state', 'timeouts', 'valid'])
  })

  it('serves one peer with its history and recent verdicts', async () => {
    const { status, body } = await get<PeerDetail>('/api/peers/A')
    expect(status).toBe(200)
    expect(body.history.map((h) => h.event)).toEqual(Array(7).fill('valid'))
    // Scores rise after each valid result and are listed oldest first; verdicts newest first.
    const scores = body.history.map((h) => h.score)
    expect([...scores].sort((x, y) => x - y)).toEqual(scores)
    expect(body.verdicts.map((v) => v.score)).toEqual([...scores].reverse())
    expect(body.score).toBe(scores.at(-1))
  })

  it('answers 404 with a message for an unknown peer or job', async () => {
    for (const path of ['/api/peers/nobody', '/api/jobs/j-nothing', '/api/jobs/j-nothing/result']) {
      const { status, body } = await get<{ error: string }>(path)
      expect(status).toBe(404)
      expect(body.error).toMatch(/^no (peer|job) /)
    }
    const unknown = await get<{ error: string }>('/api/whatever')
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatch(/no API endpoint/)
  })

  it('lists jobs newest first with their progress and results', async () => {
    const { body } = await get<JobSummary[]>('/api/jobs')
    expect(body.map((j) => j.id)).toEqual([jobs.mandelbrot, jobs.disputed, jobs.primes])
    const primes = body.find((j) => j.id === jobs.primes)!
    expect(primes).toMatchObject({ kind: 'primes', state: 'completed', unitsTotal: 4, unitsAccepted: 4, progress: 1, resultFile: null })
    // π(10,000) = 1229, the well-known count.
    expect(primes.result).toEqual({ count: 1229 })
    expect(body.find((j) => j.id === jobs.disputed)!.resultsReceived).toBe(3)
  })

  it('serves one job with its units and spec, and its result file with its media type', async () => {
    const { body } = await get<JobDetail>(`/api/jobs/${jobs.mandelbrot}`)
    expect(body.units).toEqual({ waiting: 0, leased: 0, reported: 0, accepted: 2, failed: 0, cancelled: 0 })
    expect(body.unitMap).toBe('aa')
    expect(body.spec).toMatchObject({ kind: 'mandelbrot', units: 2 })
    expect(body.resultFile).toMatchObject({ mediaType: 'image/png', url: `/api/jobs/${jobs.mandelbrot}/result` })
    const res = await fetch(new URL(body.resultFile!.url, base))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="[\w.-]+\.png"$/)
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()))
    expect([png.width, png.height]).toEqual([16, 8])
    const noFile = await get<{ error: string }>(`/api/jobs/${jobs.primes}/result`)
    expect(noFile.status).toBe(404)
    expect(noFile.body.error).toMatch(/has no result file/)
  })

  it('refuses to ban or unban without the admin token, with 401', async () => {
    for (const token of [undefined, 'wrong-token', `${TOKEN}x`]) {
      const { status, body, headers } = await post<{ error: string }>('/api/peers/L/ban', token)
      expect(status).toBe(401)
      expect(headers.get('www-authenticate')).toBe('Bearer realm="peergrid"')
      expect(body.error).toMatch(/admin token/)
    }
    expect(store.getPeer('L')?.state).toBe('probation')
    expect((await get<{ admin: boolean }>('/api/session')).body.admin).toBe(false)
    expect((await get<{ admin: boolean }>('/api/session', { headers: { Authorization: `Bearer ${TOKEN}` } })).body.admin).toBe(true)
  })

  it('bans and unbans with the token; a GET on the action is 405', async () => {
    const banned = await post<PeerSummary>('/api/peers/L/ban', TOKEN)
    expect(banned.status).toBe(200)
    expect(banned.body).toMatchObject({ id: 'L', state: 'banned', score: 0 })
    expect((await get<PeerDetail>('/api/peers/L')).body.verdicts[0]).toMatchObject({ event: 'ban', state: 'banned' })
    const unbanned = await post<PeerSummary>('/api/peers/L/unban', TOKEN)
    expect(unbanned.body.state).toBe('probation')
    expect((await post<{ error: string }>('/api/peers/nobody/ban', TOKEN)).status).toBe(404)
    const wrongMethod = await get<{ error: string }>('/api/peers/L/ban')
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('POST')
  })

  it('sums up peers, jobs, units and throughput in /api/stats', async () => {
    const { body } = await get<Record<string, any>>('/api/stats')
    expect(body.peers).toEqual({ known: 4, connected: 2, byState: { probation: 4, trusted: 0, banned: 0 } })
    expect(body.jobs).toEqual({ running: 0, completed: 3, failed: 0, cancelled: 0 })
    expect(body.units).toEqual({ accepted: 7, failed: 0, cancelled: 0, open: 0 })
    expect(body.connections).toBe(3)
    expect(body.acceptedTotal).toBe(7)
    expect(body.outcomes).toEqual({ valid: 12, invalid: 1, 'spot-pass': 0, 'spot-fail': 0, error: 0, timeout: 0 })
    expect(body.throughput.intervalMs).toBe(1000)
    expect(Array.isArray(body.throughput.samples)).toBe(true)
  })

  it('exposes Prometheus metrics in text format 0.0.4', async () => {
    const res = await fetch(new URL('/metrics', base))
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toContain('\npeergrid_units_accepted_total 7\n')
    expect(text).toContain('\npeergrid_validation_outcomes_total{outcome="valid"} 12\n')
    expect(text).toContain('\npeergrid_validation_outcomes_total{outcome="invalid"} 1\n')
    expect(text).toContain('\npeergrid_peers{state="probation"} 4\n')
    expect(text).toContain('\npeergrid_libp2p_connections 3\n')
  })

  it('serves the page with its import map allowed by the Content-Security-Policy, and library files from the whitelist only', async () => {
    const page = await fetch(base)
    const html = await page.text()
    const map = /<script type="importmap">(.*?)<\/script>/.exec(html)?.[1]
    expect(JSON.parse(map!).imports.preact).toBe('/vendor/preact.mjs')
    const { createHash } = await import('node:crypto')
    expect(page.headers.get('content-security-policy')).toContain(`'sha256-${createHash('sha256').update(map!).digest('base64')}'`)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    for (const path of ['/vendor/preact.mjs', '/vendor/preact-hooks.mjs', '/vendor/htm.mjs', '/vendor/uplot.mjs', '/js/app.js']) {
      const res = await fetch(new URL(path, base))
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, 'text/javascript; charset=utf-8'])
    }
    expect((await fetch(new URL('/vendor/uplot.css', base))).headers.get('content-type')).toBe('text/css; charset=utf-8')
    for (const path of ['/package.json', '/../package.json', '/node_modules/preact/package.json', '/%2e%2e/server.ts']) {
      expect([path, (await fetch(new URL(path, base))).status]).toEqual([path, 404])
    }
    const etag = page.headers.get('etag')!
    expect((await fetch(base, { headers: { 'If-None-Match': etag } })).status).toBe(304)
  })

  it('answers only to loopback host names, so a rebinding page cannot read it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/peers', base), { headers: { Host: `evil.example:${server.port}` } }, (res) => { res.resume(); resolve(res.statusCode!) })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(421)
    expect((await fetch(`http://localhost:${server.port}/api/peers`)).status).toBe(200)
  })

  it('pushes a burst of reputation changes to the browser as one coalesced update', async () => {
    const res = await fetch(new URL('/api/events', base))
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    const updates: Array<{ peers?: PeerSummary[], stats?: unknown }> = []
    // One read stays pending across calls: a read abandoned on timeout would lose its chunk.
    let pending: ReturnType<typeof reader.read> | undefined
    const readFor = async (ms: number): Promise<void> => {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        pending ??= reader.read()
        const chunk = await Promise.race([pending, new Promise<null>((resolve) => setTimeout(() => resolve(null), deadline - Date.now()))])
        if (chunk == null) break
        pending = undefined
        if (chunk.done) break
        buffer += decoder.decode(chunk.value, { stream: true })
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (block.startsWith('event: update\n')) updates.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)))
        }
      }
    }
    await readFor(100)
    const now = Date.now()
    for (let i = 0; i < 100; i++) scheduler.peers.apply('B', 'valid', now)
    await readFor(1300)
    await reader.cancel()
    const withB = updates.filter((u) => u.peers?.some((p) => p.id === 'B'))
    expect(withB).toHaveLength(1)
    expect(withB[0]!.peers!.find((p) => p.id === 'B')!.valid).toBe(104)
    // The once-a-second sweep also sends the stats.
    expect(updates.some((u) => u.stats != null)).toBe(true)
  })

  it('fails on a port in use unless told to take any free port', async () => {
    const source = { store, scheduler, adminToken: TOKEN, connections: () => [] }
    const taken = new DashboardServer({ source, host: '127.0.0.1', port: server.port })
    await expect(taken.start()).rejects.toThrow(DashboardError)
    await expect(taken.start()).rejects.toThrow(`the dashboard cannot listen on 127.0.0.1:${server.port}: the port is in use`)
    await taken.stop()
    const elsewhere = new DashboardServer({ source, host: '127.0.0.1', port: server.port, fallbackToFreePort: true })
    await elsewhere.start()
    try {
      expect(elsewhere.port).not.toBe(server.port)
      expect((await fetch(new URL('/api/session', elsewhere.url))).status).toBe(200)
    } finally {
      await elsewhere.stop()
    }
  })

  it('shows people an address they can open', () => {
    expect(displayUrl('127.0.0.1', 7070)).toBe('http://127.0.0.1:7070/')
    expect(displayUrl('0.0.0.0', 80)).toBe('http://127.0.0.1:80/')
    expect(displayUrl('::', 7070)).toBe('http://[::1]:7070/')
    expect(displayUrl('::1', 7070)).toBe('http://[::1]:7070/')
    expect(displayUrl('grid.local', 7070)).toBe('http://grid.local:7070/')
  })
})
