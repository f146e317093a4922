/**
 * Coordinator dispatch rate: the real scheduler, SQLite store, work service and wire codecs
 * driven by simulated workers in this process (no network), quorum 2, near-empty units.
 * Reports accepted units per second; the network is measured separately by the grid bench.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getKind } from '../jobs/registry.ts'
import { Scheduler } from '../coordinator/scheduler.ts'
import { Store } from '../coordinator/store.ts'
import { WorkService } from '../coordinator/work-service.ts'
import { decodeWorkRequest, decodeWorkResponse, encodeWorkRequest, encodeWorkResponse, type Lease, type WorkRequest, type WorkResponse } from '../protocols/work.ts'

export interface CoordinatorReport { workers: number, units: number, batch: number, quorum: number, seconds: number, acceptedPerSecond: number }

const primes = getKind('primes')
const decoder = new TextDecoder()

export function benchCoordinator (workers = 50, units = 20_000, batch = 16): CoordinatorReport {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-bench-coord-'))
  const store = new Store(dir)
  try {
    const scheduler = new Scheduler(store)
    // Simulated workers ask as fast as the coordinator answers: no per-peer limit applies.
    const service = new WorkService(scheduler, { requestsPerSecond: Number.MAX_SAFE_INTEGER })
    // Every request and reply goes through the wire codecs, as it would over a stream.
    const call = (peer: string, request: WorkRequest): WorkResponse =>
      decodeWorkResponse(encodeWorkResponse(service.handle(decodeWorkRequest(encodeWorkRequest(request)), peer)))
    const peers = Array.from({ length: workers }, (_, i) => `sim-worker-${i}`)
    // Simulated workers answer from a table so that the measurement is the coordinator's work.
    const answers = new Map<string, Uint8Array>()
    const answer = (payload: Uint8Array): Uint8Array => {
      const key = decoder.decode(payload)
      let output = answers.get(key)
      if (output == null) answers.set(key, output = primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(key)))))
      return output
    }
    for (const unit of primes.split({ from: 0, to: units }, units)) answer(new TextEncoder().encode(JSON.stringify(unit)))
    const started = performance.now()
    const { jobId } = scheduler.addJob({ kind: 'primes', params: { from: 0, to: units }, units, quorum: 2 }, 'bench')
    let accepted = 0
    scheduler.on('unit:accepted', () => { accepted++ })
    while (accepted < units) {
      const held = new Map<string, Lease[]>()
      for (const peer of peers) {
        const reply = call(peer, { type: 'pull', maxUnits: batch, jobIds: [] })
        if (reply.status === 'OK' && reply.body.type === 'leases') held.set(peer, [...reply.body.leases])
      }
      if (held.size === 0) throw new Error(`no leases handed out with ${accepted}/${units} accepted`)
      for (const [peer, leases] of held) {
        const results = leases.map((l) => ({ leaseId: l.leaseId, status: 'OK' as const, output: answer(l.payload), error: '', cpuMs: 0 }))
        call(peer, { type: 'report', results })
      }
    }
    const seconds = (performance.now() - started) / 1000
    if (store.getJob(jobId)?.state !== 'completed') throw new Error('benchmark job did not complete')
    return { workers, units, batch, quorum: 2, seconds, acceptedPerSecond: units / seconds }
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
