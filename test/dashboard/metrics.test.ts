import { describe, expect, it } from '@jest/globals'
import { collectMetrics, formatValue, MetricFormatError, renderMetrics } from '../../dashboard/metrics.ts'
import { zeroOutcomes } from '../../dashboard/telemetry.ts'
import type { Stats } from '../../dashboard/views.ts'

describe('renderMetrics', () => {
  it('writes HELP and TYPE lines, then one line per sample, as text format 0.0.4 specifies', () => {
    const text = renderMetrics([
      { name: 'grid_units', help: 'Units.', type: 'gauge', samples: [{ labels: { state: 'open' }, value: 3 }, { labels: { state: 'done' }, value: 0.5 }] },
      { name: 'grid_total', help: 'All.', type: 'counter', samples: [{ value: 12 }] }
    ])
    expect(text).toBe([
      '# HELP grid_units Units.',
      '# TYPE grid_units gauge',
      'grid_units{state="open"} 3',
      'grid_units{state="done"} 0.5',
      '# HELP grid_total All.',
      '# TYPE grid_total counter',
      'grid_total 12',
      ''
    ].join('\n'))
  })

  it('escapes backslashes, quotes and line breaks in label values, and backslashes and line breaks in help', () => {
    const text = renderMetrics([{ name: 'm', help: 'a\\b\nc', type: 'gauge', samples: [{ labels: { path: 'C:\\x "y"\nz', b: 'ok' }, value: 1 }] }])
    expect(text).toBe('# HELP m a\\\\b\\nc\n# TYPE m gauge\nm{path="C:\\\\x \\"y\\"\\nz",b="ok"} 1\n')
  })

  it.each([[NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'], [0, '0'], [-2.5, '-2.5'], [1e21, '1e+21']])('formats %p as %p', (value, text) => {
    expect(formatValue(value)).toBe(text)
  })

  it('refuses names Prometheus would reject', () => {
    expect(() => renderMetrics([{ name: '1bad', help: '', type: 'gauge', samples: [] }])).toThrow(MetricFormatError)
    expect(() => renderMetrics([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/label name/)
    expect(() => renderMetrics([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __reserved: 'x' }, value: 1 }] }])).toThrow(/label name/)
  })
})

describe('collectMetrics', () => {
  const stats: Stats = {
    atMs: 0,
    peers: { known: 6, connected: 4, byState: { probation: 2, trusted: 3, banned: 1 } },
    jobs: { running: 1, completed: 2, failed: 0, cancelled: 1 },
    units: { accepted: 40, failed: 1, cancelled: 5, open: 9 },
    leasesActive: 7,
    connections: 5,
    acceptedTotal: 38,
    acceptedPerSecond: 2
  }
  const text = renderMetrics(collectMetrics({ stats, outcomes: { ...zeroOutcomes(), valid: 80, invalid: 3, 'spot-fail': 1 }, dashboardClients: 2, memory: { rss: 300e6, heapTotal: 90e6, heapUsed: 60e6, external: 12e6, arrayBuffers: 4e6 }, heapSpaces: [{ space_name: 'new_space', space_size: 33e6, space_used_size: 7e6 }, { space_name: 'old_space', space_size: 50e6, space_used_size: 45e6 }] }))
  /** Sample lines as name{labels} → value, read back independently of the renderer. */
  const samples = new Map(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => {
    const at = l.lastIndexOf(' ')
    return [l.slice(0, at), Number(l.slice(at + 1))] as const
  }))

  it.each([
    ['peergrid_peers{state="trusted"}', 3],
    ['peergrid_peers{state="banned"}', 1],
    ['peergrid_peers_connected', 4],
    ['peergrid_jobs{state="running"}', 1],
    ['peergrid_jobs{state="cancelled"}', 1],
    ['peergrid_units{state="accepted"}', 40],
    ['peergrid_units{state="open"}', 9],
    ['peergrid_leases_active', 7],
    ['peergrid_units_accepted_total', 38],
    ['peergrid_validation_outcomes_total{outcome="valid"}', 80],
    ['peergrid_validation_outcomes_total{outcome="invalid"}', 3],
    ['peergrid_validation_outcomes_total{outcome="spot-fail"}', 1],
    ['peergrid_validation_outcomes_total{outcome="spot-pass"}', 0],
    ['peergrid_libp2p_connections', 5],
    ['peergrid_dashboard_clients', 2],
    ['peergrid_process_memory_bytes{area="rss"}', 300e6],
    ['peergrid_process_memory_bytes{area="heap_used"}', 60e6],
    ['peergrid_process_memory_bytes{area="array_buffers"}', 4e6],
    ['peergrid_v8_heap_space_bytes{space="new_space",kind="committed"}', 33e6],
    ['peergrid_v8_heap_space_bytes{space="old_space",kind="used"}', 45e6]
  ])('%s is %p', (series, value) => {
    expect(samples.get(series)).toBe(value)
  })

  it('types every family, counters ending in _total', () => {
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]])
    expect(types.length).toBe(11)
    for (const [name, type] of types) expect(type === 'counter').toBe(name!.endsWith('_total'))
  })
})
