/**
 * The dashboard's JSON API and Prometheus endpoint. Handlers are plain functions from a
 * request to a reply (no sockets), so they are tested without a server; the live event
 * stream is the one route the server handles itself.
 */
import { getHeapSpaceStatistics } from 'node:v8'
import { MAX_JOBS_LISTED } from '../coordinator/constants.ts'
import { isAdmin } from './auth.ts'
import { SAMPLE_INTERVAL_MS, type LiveFeed } from './live-feed.ts'
import { collectMetrics, METRICS_MEDIA_TYPE, renderMetrics } from './metrics.ts'
import { Router, type Params } from './router.ts'
import { currentStats, type DashboardSource } from './source.ts'
import { HISTORY_POINTS, jobDetail, jobSummary, peerDetail, peerSummary } from './views.ts'

export interface ApiRequest {
  readonly params: Params
  readonly authorization: string | undefined
}

export type Reply =
  | { readonly status: number, readonly json: unknown, readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number, readonly body: Uint8Array | string, readonly mediaType: string, readonly headers?: Readonly<Record<string, string>> }

export type ApiHandler = (req: ApiRequest) => Reply

export const errorReply = (status: number, message: string, headers?: Record<string, string>): Reply =>
  ({ status, json: { error: message }, ...(headers != null ? { headers } : {}) })

const UNAUTHORIZED = errorReply(401,
  'banning and unbanning need the coordinator\'s admin token as "Authorization: Bearer <token>"; it is in admin.token in the coordinator\'s data directory',
  { 'WWW-Authenticate': 'Bearer realm="peergrid"' })

/** A result file's name as a header value: only characters no header can be confused by. */
const safeFileName = (name: string): string => name.replace(/[^\w.-]/g, '_')

export function apiRoutes (source: DashboardSource, feed: LiveFeed): Router<ApiHandler> {
  const { store, scheduler } = source
  const online = (): Set<string> => new Set(source.connections())

  const setBan = (banned: boolean): ApiHandler => ({ params, authorization }) => {
    if (!isAdmin(authorization, source.adminToken)) return UNAUTHORIZED
    const id = params.id!
    if (store.getPeer(id) == null) return errorReply(404, `no peer ${id} is known to this coordinator`)
    scheduler.setBanned(id, banned)
    return { status: 200, json: peerSummary(store.getPeer(id)!, online().has(id)) }
  }

  return new Router<ApiHandler>()
    .get('/api/session', ({ authorization }) => ({ status: 200, json: { admin: isAdmin(authorization, source.adminToken) } }))
    .get('/api/peers', () => {
      const connected = online()
      return { status: 200, json: store.listPeers().map((row) => peerSummary(row, connected.has(row.id))) }
    })
    .get('/api/peers/:id', ({ params }) => {
      const row = store.getPeer(params.id!)
      if (row == null) return errorReply(404, `no peer ${params.id!} is known to this coordinator`)
      return { status: 200, json: peerDetail(row, store.peerHistory(row.id, HISTORY_POINTS), online().has(row.id)) }
    })
    .post('/api/peers/:id/ban', setBan(true))
    .post('/api/peers/:id/unban', setBan(false))
    // Newest first: the dashboard and people both look at recent jobs. Bounded like
    // `peergrid status`: a coordinator keeps every job it ran; older ones are at /api/jobs/:id.
    .get('/api/jobs', () => ({ status: 200, json: store.newestJobs(MAX_JOBS_LISTED).reverse().map(jobSummary) }))
    .get('/api/jobs/:id', ({ params }) => {
      const row = store.getJob(params.id!)
      if (row == null) return errorReply(404, `no job ${params.id!} on this coordinator`)
      return { status: 200, json: jobDetail(store, row) }
    })
    .get('/api/jobs/:id/result', ({ params }) => {
      const row = store.getJob(params.id!)
      if (row == null) return errorReply(404, `no job ${params.id!} on this coordinator`)
      const bytes = row.result_file_name != null && row.result_media_type != null ? store.resultFile(row.id) : undefined
      if (bytes == null) {
        return errorReply(404, row.state === 'running' ? `job ${row.id} is still running: its result file comes when it completes` : `job ${row.id} has no result file (its result is in GET /api/jobs/${row.id})`)
      }
      return {
        status: 200,
        body: bytes,
        mediaType: row.result_media_type!,
        headers: { 'Content-Disposition': `inline; filename="${safeFileName(row.result_file_name!)}"`, 'Cache-Control': 'no-cache' }
      }
    })
    .get('/api/stats', () => ({
      status: 200,
      json: {
        ...currentStats(source, feed.meter, Date.now()),
        outcomes: feed.outcomes.totals(),
        throughput: { intervalMs: SAMPLE_INTERVAL_MS, samples: feed.meter.samples() }
      }
    }))
    .get('/metrics', () => ({
      status: 200,
      mediaType: METRICS_MEDIA_TYPE,
      body: renderMetrics(collectMetrics({ stats: currentStats(source, feed.meter, Date.now()), outcomes: feed.outcomes.totals(), dashboardClients: feed.clients, memory: process.memoryUsage(), heapSpaces: getHeapSpaceStatistics() }))
    }))
}
