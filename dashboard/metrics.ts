/**
 * Prometheus metrics in the text exposition format 0.0.4, written by hand: a dozen series do
 * not need a client library, and a pure renderer is easy to hold to the format.
 */
import type { HeapSpaceInfo } from 'node:v8'
import { OUTCOMES, type OutcomeCounts } from './telemetry.ts'
import { JOB_STATES, PEER_STATES, type Stats } from './views.ts'

export const METRICS_MEDIA_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export interface MetricSample { readonly labels?: Readonly<Record<string, string>>, readonly value: number }

export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: 'gauge' | 'counter'
  readonly samples: readonly MetricSample[]
}

export class MetricFormatError extends Error {
  override name = 'MetricFormatError'
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

export function renderMetrics (families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new MetricFormatError(`"${f.name}" is not a valid metric name: use letters, digits, _ and :, not starting with a digit`)
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {})
      for (const [k] of labels) {
        if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new MetricFormatError(`"${k}" is not a valid label name on ${f.name}: use letters, digits and _, not starting with a digit or __`)
      }
      const rendered = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
      lines.push(`${f.name}${rendered} ${formatValue(s.value)}`)
    }
  }
  return lines.join('\n') + '\n'
}

export interface MetricsInput {
  readonly stats: Stats
  readonly outcomes: OutcomeCounts
  readonly dashboardClients: number
  /** The coordinator process's memory (`process.memoryUsage()`). */
  readonly memory?: NodeJS.MemoryUsage
  /** V8's heap by space (`v8.getHeapSpaceStatistics()`): which part of the heap holds the memory. */
  readonly heapSpaces?: ReadonlyArray<Pick<HeapSpaceInfo, 'space_name' | 'space_size' | 'space_used_size'>>
}

/** Where the memory is: RSS as the OS sees it, then what V8 and native buffers account for. */
const MEMORY_AREAS = [['rss', 'rss'], ['heap_total', 'heapTotal'], ['heap_used', 'heapUsed'], ['external', 'external'], ['array_buffers', 'arrayBuffers']] as const

export function collectMetrics ({ stats, outcomes, dashboardClients, memory, heapSpaces }: MetricsInput): MetricFamily[] {
  return [
    { name: 'peergrid_peers', help: 'Peers known to this coordinator, by reputation state.', type: 'gauge', samples: PEER_STATES.map((state) => ({ labels: { state }, value: stats.peers.byState[state] })) },
    { name: 'peergrid_peers_connected', help: 'Distinct peers with an open libp2p connection to this coordinator.', type: 'gauge', samples: [{ value: stats.peers.connected }] },
    { name: 'peergrid_jobs', help: 'Jobs by state.', type: 'gauge', samples: JOB_STATES.map((state) => ({ labels: { state }, value: stats.jobs[state] })) },
    {
      name: 'peergrid_units',
      help: 'Work units of all jobs by state; open units are waiting, leased or reported.',
      type: 'gauge',
      samples: (['accepted', 'failed', 'cancelled', 'open'] as const).map((state) => ({ labels: { state }, value: stats.units[state] }))
    },
    { name: 'peergrid_leases_active', help: 'Leases (units and spot-checks) currently held by workers.', type: 'gauge', samples: [{ value: stats.leasesActive }] },
    { name: 'peergrid_units_accepted_total', help: 'Units accepted since the coordinator started.', type: 'counter', samples: [{ value: stats.acceptedTotal }] },
    {
      name: 'peergrid_validation_outcomes_total',
      help: 'Results judged since the coordinator started: valid, invalid, spot-check passed or failed, error, timeout.',
      type: 'counter',
      samples: OUTCOMES.map((outcome) => ({ labels: { outcome }, value: outcomes[outcome] }))
    },
    { name: 'peergrid_libp2p_connections', help: 'Open libp2p connections of the coordinator node.', type: 'gauge', samples: [{ value: stats.connections }] },
    { name: 'peergrid_dashboard_clients', help: 'Browsers following the dashboard live feed.', type: 'gauge', samples: [{ value: dashboardClients }] },
    ...(memory == null
      ? []
      : [{
          name: 'peergrid_process_memory_bytes',
          help: 'Memory of the coordinator process: resident set, V8 heap total and used, external and ArrayBuffer memory. A heap that stays flat while RSS rises points at the allocator, not a leak.',
          type: 'gauge' as const,
          samples: MEMORY_AREAS.map(([area, key]) => ({ labels: { area }, value: memory[key] }))
        }]),
    ...(heapSpaces == null
      ? []
      : [{
          name: 'peergrid_v8_heap_space_bytes',
          help: 'V8 heap of the coordinator by space: committed (memory held from the system) and used (live and not yet collected).',
          type: 'gauge' as const,
          samples: heapSpaces.flatMap((s) => [
            { labels: { space: s.space_name, kind: 'committed' }, value: s.space_size },
            { labels: { space: s.space_name, kind: 'used' }, value: s.space_used_size }
          ])
        }])
  ]
}
