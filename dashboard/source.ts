/**
 * What the dashboard reads from a running coordinator. An interface rather than the
 * Coordinator class so that tests can serve a real store and scheduler without a network.
 */
import type { Scheduler } from '../coordinator/scheduler.ts'
import type { Store } from '../coordinator/store.ts'
import type { ThroughputMeter } from './telemetry.ts'
import { stats, type Stats } from './views.ts'

export interface DashboardSource {
  readonly store: Store
  readonly scheduler: Scheduler
  /** The remote peer of each open libp2p connection (a peer may have several). */
  readonly connections: () => readonly string[]
  /** Bearer token that unlocks ban and unban; the coordinator's admin.token. */
  readonly adminToken: string
}

export function currentStats (source: DashboardSource, meter: ThroughputMeter, atMs: number): Stats {
  const connections = source.connections()
  return stats({
    atMs,
    peers: source.store.listPeers(),
    jobs: source.store.jobTotals(),
    connectedPeers: new Set(connections),
    leasesActive: source.scheduler.activeLeaseCount,
    connections: connections.length,
    acceptedTotal: meter.total,
    acceptedPerSecond: meter.latest()?.accepted ?? 0
  })
}
