/**
 * Adversarial simulation driving the real coordinator code (scheduler, validator, reputation,
 * SQLite store) with simulated workers in one process. Honest workers err at 1e-3; malicious
 * ones lie at random, collude on one wrong answer, sabotage 1–10% of units, and all rejoin
 * under a new identity as soon as they are banned.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { getKind } from '../jobs/registry.ts'
import type { JobSpec } from '../jobs/spec.ts'
import { NEW_REPUTATION } from '../coordinator/reputation.ts'
import { Scheduler } from '../coordinator/scheduler.ts'
import { Store } from '../coordinator/store.ts'
import { median } from './calibrate.ts'
import { seededRandom } from '../test/helpers/prng.ts'

export type Behaviour = 'honest' | 'liar' | 'colluder' | 'saboteur'

export interface SimSettings {
  label: string
  maliciousFraction: number
  workers: number
  units: number
  validation: 'credibility' | 'majority'
  /** Honest workers start with a long verified history. */
  veterans?: boolean
  seed?: number
  honestErrorRate?: number
}

export interface SimReport {
  label: string
  validation: string
  maliciousFraction: number
  workers: number
  units: number
  acceptedUnits: number
  wrongAccepted: number
  acceptedWrongRate: number
  results: number
  meanResultsPerUnit: number
  alwaysLiarResultsBeforeBan: { median: number | null, p95: number | null, banned: number }
  saboteurResultsBeforeBan: { median: number | null, p95: number | null, banned: number }
  honestBanned: number
  honestBannedFraction: number
  seconds: number
}

const primes = getKind('primes')
const decoder = new TextDecoder()
const digestOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64url')

interface Actor { id: string, behaviour: Behaviour, lieRate: number, network: string, results: number, identities: number }

function percentile (values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

export function simulate (settings: SimSettings): SimReport {
  const started = performance.now()
  const random = seededRandom(settings.seed ?? 1)
  const honestErrorRate = settings.honestErrorRate ?? 1e-3
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-trust-'))
  const store = new Store(dir)
  let clock = 1_000_000
  const scheduler = new Scheduler(store, () => clock, random, { bans: settings.validation === 'credibility' })
  try {
    const malicious = Math.round(settings.workers * settings.maliciousFraction)
    const kinds: Behaviour[] = ['liar', 'colluder', 'saboteur']
    const actors: Actor[] = Array.from({ length: settings.workers }, (_, i) => ({
      id: `w${i}`,
      behaviour: i < malicious ? kinds[i % kinds.length]! : 'honest',
      lieRate: 0.01 + 0.09 * random(),
      network: `/ip4/100.${64 + (i >> 8)}.${i & 255}.7/tcp/4001`,
      results: 0,
      identities: 1
    }))
    for (const a of actors) {
      if (settings.veterans === true && a.behaviour === 'honest') {
        // A long record, with the errors its hardware's error rate implies.
        store.savePeer(a.id, { ...NEW_REPUTATION, valid: 50_000, invalid: Math.round(50_000 * honestErrorRate), score: 0.99, state: 'trusted' }, 'imported', clock)
      }
      scheduler.peers.seen(a.id, a.network, clock)
    }
    const spec: JobSpec = settings.validation === 'credibility'
      ? { kind: 'primes', params: { from: 0, to: settings.units * 50 }, units: settings.units, validation: 'credibility', maxMaliciousFraction: 0.3, errorRate: 1e-4 }
      : { kind: 'primes', params: { from: 0, to: settings.units * 50 }, units: settings.units, validation: 'quorum', quorum: 2, maxResults: 3 }
    const { jobId } = scheduler.addJob(spec, 'sim')
    const truth = new Map<string, Uint8Array>()
    const truthOf = (payload: string): Uint8Array => {
      let out = truth.get(payload)
      if (out == null) truth.set(payload, out = primes.encodeOutput(primes.run(primes.parseUnit(JSON.parse(payload)))))
      return out
    }
    // A lie must look plausible (a count the unit could have), or decoding alone would catch it.
    const wrong = (payload: string, k: number): Uint8Array => {
      const unit = primes.parseUnit(JSON.parse(payload)) as { from: number, to: number }
      const { count } = primes.decodeOutput(truthOf(payload), unit) as { count: number }
      const span = unit.to - unit.from
      return primes.encodeOutput({ count: (count + 1 + (k % span)) % (span + 1) })
    }
    // The coordinator computes a few units itself: the first known answers for spot-checks.
    const units = store.unitsOf(jobId)
    for (let i = 0; i < 20; i++) {
      const u = units[Math.floor(random() * units.length)]!
      scheduler.addTrustedResult(jobId, u.idx, truthOf(u.payload_json))
    }
    const byId = new Map(actors.map((a) => [a.id, a]))
    const liarCounts: number[] = []
    const saboteurCounts: number[] = []
    let honestBanned = 0
    scheduler.peers.on('peer:banned', ({ peer }) => {
      const actor = byId.get(peer)
      if (actor == null) return
      if (actor.behaviour === 'honest') { honestBanned++; return }
      ;(actor.behaviour === 'saboteur' ? saboteurCounts : liarCounts).push(actor.results)
      // Rejoin at once under a new identity, from the same network.
      byId.delete(peer)
      actor.id = `${actor.id.split('#')[0]}#${actor.identities++}`
      actor.results = 0
      byId.set(actor.id, actor)
      scheduler.peers.seen(actor.id, actor.network, clock)
    })
    let results = 0
    for (let round = 0; round < 100_000; round++) {
      const job = store.getJob(jobId)!
      if (job.state !== 'running') break
      let issued = 0
      for (const actor of actors) {
        const leases = scheduler.lease(actor.id, 4)
        issued += leases.length
        if (leases.length === 0) continue
        const peer = actor.id
        const outputs = leases.map((l) => {
          const r = random()
          let output: Uint8Array
          switch (actor.behaviour) {
            case 'honest': output = r < honestErrorRate ? wrong(l.payload, Math.floor(random() * 1000)) : truthOf(l.payload); break
            case 'liar': output = wrong(l.payload, Math.floor(random() * 1000)); break
            case 'colluder': output = wrong(l.payload, 0); break
            case 'saboteur': output = r < actor.lieRate ? wrong(l.payload, Math.floor(random() * 1000)) : truthOf(l.payload); break
          }
          return { leaseId: l.id, status: 'ok' as const, output }
        })
        results += outputs.length
        actor.results += outputs.length
        scheduler.report(peer, outputs)
      }
      clock += 1000
      if (issued === 0) scheduler.expire()
    }
    const final = store.getJob(jobId)!
    if (process.env.DEBUG_SIM != null) {
      const open = store.unitsOf(jobId).filter((u) => u.state !== 'accepted')
      console.error(final.state, final.units_failed, scheduler.openJobs(), open.map((u) => u.idx))
      for (const u of open.slice(0, 2)) console.error(store.unitResults(jobId, u.idx).map((r) => [r.peer, r.digest?.slice(0, 6), scheduler.peers.reputation(r.peer).state, scheduler.peers.isYoung(r.peer)]))
      console.error(scheduler.lease('w199', 4).map((l) => l.unitIndex), scheduler.peers.reputation('w199'))
    }
    let wrongAccepted = 0
    let acceptedUnits = 0
    for (const u of store.unitsOf(jobId)) {
      if (u.state !== 'accepted') continue
      acceptedUnits++
      if (u.digest !== digestOf(truthOf(u.payload_json))) wrongAccepted++
    }
    const honest = actors.filter((a) => a.behaviour === 'honest').length
    return {
      label: settings.label,
      validation: settings.validation,
      maliciousFraction: settings.maliciousFraction,
      workers: settings.workers,
      units: final.units_total,
      acceptedUnits,
      wrongAccepted,
      acceptedWrongRate: acceptedUnits === 0 ? 0 : wrongAccepted / acceptedUnits,
      results,
      meanResultsPerUnit: acceptedUnits === 0 ? 0 : results / acceptedUnits,
      alwaysLiarResultsBeforeBan: { median: liarCounts.length > 0 ? median(liarCounts) : null, p95: percentile(liarCounts, 0.95), banned: liarCounts.length },
      saboteurResultsBeforeBan: { median: saboteurCounts.length > 0 ? median(saboteurCounts) : null, p95: percentile(saboteurCounts, 0.95), banned: saboteurCounts.length },
      honestBanned,
      honestBannedFraction: honest === 0 ? 0 : honestBanned / honest,
      seconds: (performance.now() - started) / 1000
    }
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
