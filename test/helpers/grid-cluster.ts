/**
 * A grid of real `peergrid` processes on 127.0.0.1 that can be killed and restarted: one
 * coordinator on a fixed port and data directory (so a restart is the same peer at the same
 * address), and named workers. Its database is read the way an auditor would, through a
 * separate read-only SQLite connection. Used by the chaos test and the soak run.
 */
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { PeergridProcess } from './processes.ts'

export interface ClusterInit {
  dir: string
  port: number
  env?: Record<string, string>
  /** Frequent announcements let workers find a restarted coordinator quickly. */
  announceIntervalMs?: number
  workerArgs?: string[]
}

export class GridCluster {
  readonly #init: ClusterInit
  #coordinator: PeergridProcess | undefined
  #address: string | undefined
  readonly workers = new Map<string, PeergridProcess>()
  /** Every process this cluster started, dead or alive, so that none outlives it. */
  readonly #all: PeergridProcess[] = []
  coordinatorStarts = 0

  constructor (init: ClusterInit) {
    this.#init = init
  }

  get dataDir (): string { return join(this.#init.dir, 'coordinator') }
  get dbPath (): string { return join(this.dataDir, 'coordinator.db') }
  get coordinator (): PeergridProcess | undefined { return this.#coordinator }

  /** The coordinator's full address; stable across restarts. */
  get address (): string {
    if (this.#address == null) throw new Error('the coordinator has not started yet')
    return this.#address
  }

  #spawn (args: string[]): PeergridProcess {
    const child = new PeergridProcess([...args, '--json'], this.#init.env ?? {})
    this.#all.push(child)
    return child
  }

  /** The coordinator's dashboard (and /metrics), once it has started with one. */
  dashboardUrl: string | undefined

  /** Starts the coordinator without waiting for it to be ready (to kill it while it starts). */
  spawnCoordinator (): PeergridProcess {
    return this.#coordinator = this.#spawn(['coordinator', '--data-dir', this.dataDir,
      '--announce-interval', String(this.#init.announceIntervalMs ?? 300), '--listen', `/ip4/127.0.0.1/tcp/${this.#init.port}`])
  }

  async startCoordinator (timeoutMs = 30_000): Promise<string> {
    const coordinator = this.spawnCoordinator()
    const ready = await coordinator.ready(timeoutMs)
    this.coordinatorStarts++
    this.#address = (ready.addresses as string[])[0]!
    this.dashboardUrl = typeof ready.dashboardUrl === 'string' ? ready.dashboardUrl : undefined
    return this.#address
  }

  async stopCoordinator (signal: NodeJS.Signals): Promise<void> {
    await this.#coordinator?.stop(signal)
    this.#coordinator = undefined
  }

  get coordinatorRunning (): boolean {
    return this.#coordinator != null && this.#coordinator.child.exitCode == null && this.#coordinator.child.signalCode == null
  }

  /** Starts worker `name` on its own data directory (the same one on every restart). */
  startWorker (name: string, extraArgs: string[] = []): PeergridProcess {
    const worker = this.#spawn(['worker', '--data-dir', join(this.#init.dir, name), '--bootstrap', this.address, ...(this.#init.workerArgs ?? []), ...extraArgs])
    this.workers.set(name, worker)
    return worker
  }

  async stopWorker (name: string, signal: NodeJS.Signals): Promise<void> {
    const worker = this.workers.get(name)
    this.workers.delete(name)
    await worker?.stop(signal)
  }

  /** Running processes by role, for resource sampling. */
  processes (): Array<{ role: 'coordinator' | 'worker', name: string, pid: number }> {
    const alive = (p: PeergridProcess): boolean => p.child.exitCode == null && p.child.signalCode == null
    return [
      ...(this.#coordinator != null && alive(this.#coordinator) ? [{ role: 'coordinator' as const, name: 'coordinator', pid: this.#coordinator.pid }] : []),
      ...[...this.workers].filter(([, w]) => alive(w)).map(([name, w]) => ({ role: 'worker' as const, name, pid: w.pid }))
    ]
  }

  /** Runs `query` on a fresh read-only connection, so no snapshot is held between reads. */
  read<T> (query: (db: DatabaseSync) => T): T {
    const db = new DatabaseSync(this.dbPath, { readOnly: true })
    try {
      return query(db)
    } finally {
      db.close()
    }
  }

  async stopAll (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.#all.map(async (p) => await p.stop(signal)))
    this.workers.clear()
    this.#coordinator = undefined
  }
}
