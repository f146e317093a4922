/**
 * In-memory index of one running job: per unit its counted results, outstanding leases and
 * the peers that touched it; the job's open units split into started and fresh. Rebuilt
 * from the store on start; the store stays the source of truth.
 */
import { logger } from '@libp2p/logger'
import type { JobKind } from '../jobs/kind.ts'
import type { ResolvedJobSpec } from '../jobs/spec.ts'
import type { QuorumVerdict, ReportedResult } from './quorum.ts'
import type { PlacementCandidate } from './placement.ts'

export interface UnitSlot extends PlacementCandidate {
  readonly idx: number
  readonly payload: string
  results: ReportedResult[]
  /** Output bytes by digest, kept until the unit is accepted. */
  outputs: Map<string, Uint8Array>
  active: Set<string>
  peers: Set<string>
  need: number
  done: boolean
  /** A digest whose output the kind's own cheap check proved right (a found nonce). */
  proven?: string
}

const log = logger('peergrid:scheduler')

/**
 * Decides a unit from its results and outstanding leases: quorum or credibility validation.
 * `proven` is a digest the kind's own check proved right, when there is one.
 */
export type Judge = (results: readonly ReportedResult[], outstanding: number, proven?: string) => QuorumVerdict

export class JobSlot {
  readonly id: string
  readonly kind: JobKind
  readonly spec: ResolvedJobSpec
  readonly units: UnitSlot[]
  /** Open units that were leased at least once, in the order they started. */
  readonly started = new Set<UnitSlot>()
  /** Open units never leased, in unit order. */
  readonly fresh = new Set<UnitSlot>()
  remaining: number
  failed = 0
  readonly #judge: Judge

  constructor (id: string, kind: JobKind, spec: ResolvedJobSpec, payloads: string[], judge: Judge) {
    this.#judge = judge
    this.id = id
    this.kind = kind
    this.spec = spec
    this.units = payloads.map((payload, idx) => ({
      idx, payload, results: [], outputs: new Map(), active: new Set(), peers: new Set(), need: spec.validation === 'credibility' ? 1 : spec.quorum, done: false
    }))
    this.remaining = this.units.length
    for (const unit of this.units) this.fresh.add(unit)
  }

  /** Re-evaluates a unit after any change and files it where the scheduler will find it. */
  evaluate (unit: UnitSlot): QuorumVerdict {
    const proven = unit.proven != null && unit.outputs.has(unit.proven) ? unit.proven : undefined
    const verdict = this.#judge(unit.results, unit.active.size, proven)
    unit.need = verdict.verdict === 'pending' ? verdict.more : 0
    this.refile(unit)
    return verdict
  }

  refile (unit: UnitSlot): void {
    const untouched = unit.results.length === 0 && unit.active.size === 0 && unit.peers.size === 0
    if (unit.done) {
      this.started.delete(unit)
      this.fresh.delete(unit)
    } else if (!(untouched && this.fresh.has(unit))) {
      this.fresh.delete(unit)
      if (unit.need > 0) this.started.add(unit)
      else this.started.delete(unit)
    }
  }

  /** Brings a finished unit back (backtracking after a ban). */
  reopen (unit: UnitSlot): void {
    if (!unit.done) return
    unit.done = false
    this.remaining++
  }

  close (unit: UnitSlot): void {
    unit.done = true
    unit.need = 0
    unit.outputs.clear()
    this.remaining--
    this.refile(unit)
  }

  get hasWork (): boolean {
    return this.started.size > 0 || this.fresh.size > 0
  }

  /** Units that still need a replica: the figure announcements carry. */
  get waiting (): number {
    let n = this.fresh.size
    for (const unit of this.started) if (unit.need > 0) n++
    return n
  }

  /** What an accepted output of `unit` is worth: the kind decides, from the unit and output alone. */
  creditFor (unit: UnitSlot, output: Uint8Array): number {
    try {
      const parsed = this.kind.parseUnit(JSON.parse(unit.payload))
      const credit = this.kind.credit(parsed, this.kind.decodeOutput(output, parsed))
      return Number.isFinite(credit) && credit > 0 ? credit : 0
    } catch (err) {
      log.error('no credit for %s/%d: %s', this.id, unit.idx, (err as Error).message)
      return 0
    }
  }
}
