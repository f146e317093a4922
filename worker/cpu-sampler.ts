/**
 * Reads the CPU counters that idle-only mode compares: the machine's (from `os.cpus()`, which
 * splits niced time from normal user time on every platform) and this process's share of
 * the normal-priority part. On Linux the process's part is exact, thread by thread from
 * `/proc/self/task/<tid>/stat`: a thread at nice > 0 (a unit thread) books its user time
 * under "nice", which is not counted as load, so only its system time is subtracted.
 * Elsewhere the whole process time is subtracted, which slightly understates others' load.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import type { CpuSample } from './idle-detector.ts'

/** The kernel's clock tick for user-visible counters (USER_HZ), fixed at 100 on Linux. */
const MS_PER_TICK = 10

export interface TaskStat {
  readonly utimeTicks: number
  readonly stimeTicks: number
  readonly nice: number
}

/**
 * Parses one `/proc/<pid>/task/<tid>/stat` line (see proc(5)). The command name may hold
 * spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseTaskStat (text: string): TaskStat | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  // After ") " come fields 3 (state) onwards: utime is field 14, stime 15, nice 19.
  const fields = text.slice(close + 2).split(' ')
  const utimeTicks = Number(fields[11])
  const stimeTicks = Number(fields[12])
  const nice = Number(fields[16])
  if (![utimeTicks, stimeTicks, nice].every(Number.isFinite)) return undefined
  return { utimeTicks, stimeTicks, nice }
}

/** The part of a thread's CPU time that the machine books as normal-priority load, ms. */
export function normalPriorityMs (task: TaskStat): number {
  return (task.nice > 0 ? task.stimeTicks : task.utimeTicks + task.stimeTicks) * MS_PER_TICK
}

function readTasks (): Map<string, number> | undefined {
  let tids: string[]
  try {
    tids = readdirSync('/proc/self/task')
  } catch {
    return undefined
  }
  const tasks = new Map<string, number>()
  for (const tid of tids) {
    try {
      const task = parseTaskStat(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))
      if (task !== undefined) tasks.set(tid, normalPriorityMs(task))
    } catch { /* the thread ended between listing and reading */ }
  }
  return tasks
}

/** Samples the counters of {@link CpuSample}; keeps per-thread state so a thread's exit does not make time run backwards. */
export class CpuSampler {
  #tasks: Map<string, number> | undefined
  #ownMs = 0
  #fallback = false

  sample (now: number = Date.now()): CpuSample {
    let busyMs = 0
    let totalMs = 0
    for (const { times } of cpus()) {
      busyMs += times.user + times.sys + times.irq
      totalMs += times.user + times.nice + times.sys + times.idle + times.irq
    }
    return { at: now, busyMs, totalMs, ownMs: this.#own() }
  }

  #own (): number {
    const tasks = this.#fallback ? undefined : readTasks()
    if (tasks === undefined) {
      this.#fallback = true
      const usage = process.cpuUsage()
      return (usage.user + usage.system) / 1000
    }
    // Sum each live thread's growth since the last sample; a new thread counts from zero.
    for (const [tid, ms] of tasks) this.#ownMs += Math.max(0, ms - (this.#tasks?.get(tid) ?? 0))
    this.#tasks = tasks
    return this.#ownMs
  }
}
