/**
 * The code that runs inside a Piscina thread: one unit of one kind. It sees only JSON
 * payloads and returns the canonical output bytes, so nothing but data crosses threads.
 */
import { getKind } from '../jobs/registry.ts'

export interface UnitTask {
  kind: string
  unit: unknown
}

export interface UnitTaskResult {
  output: Uint8Array
  /** CPU time this thread spent on the unit, the basis for reporting donated CPU. */
  cpuMs: number
}

export default function runUnitTask (task: UnitTask): UnitTaskResult {
  const start = process.threadCpuUsage()
  const kind = getKind(task.kind)
  const unit = kind.parseUnit(task.unit)
  const output = kind.encodeOutput(kind.run(unit))
  const used = process.threadCpuUsage(start)
  return { output, cpuMs: (used.user + used.system) / 1000 }
}
