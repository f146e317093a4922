/**
 * Real `peergrid` processes for end-to-end tests: spawned with the pinned Node, their JSON
 * output lines parsed into events that tests wait on (with timeouts, never fixed sleeps).
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { PEERGRID_JS, spawnPeergrid } from '../../cli/node-flags.ts'

export const CLI = PEERGRID_JS

export interface PeergridEvent { event: string, [key: string]: unknown }

export class PeergridProcess {
  readonly child: ChildProcess
  readonly events: PeergridEvent[] = []
  readonly #waiters: Array<{ match: (e: PeergridEvent) => boolean, resolve: (e: PeergridEvent) => void }> = []
  stderr = ''
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  constructor (args: string[], env: Record<string, string> = {}) {
    this.child = spawnPeergrid(args, env)
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let event: PeergridEvent
      try { event = JSON.parse(line) as PeergridEvent } catch { return }
      this.events.push(event)
      for (const w of [...this.#waiters]) {
        if (w.match(event)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1)
          w.resolve(event)
        }
      }
    })
    this.child.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-20_000) })
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })))
  }

  get pid (): number { return this.child.pid! }

  /** Resolves with the first event (past or future) that matches, or rejects after `timeoutMs`. */
  async waitFor (match: (e: PeergridEvent) => boolean, timeoutMs = 30_000, what = 'event'): Promise<PeergridEvent> {
    const seen = this.events.find(match)
    if (seen != null) return seen
    return await new Promise((resolve, reject) => {
      const waiter = { match, resolve: (e: PeergridEvent) => { clearTimeout(timer); resolve(e) } }
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`))
      }, timeoutMs)
      this.#waiters.push(waiter)
      this.exited.then(() => {
        if (!this.#waiters.includes(waiter)) return
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        clearTimeout(timer)
        reject(new Error(`process exited while waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`))
      }, () => {})
    })
  }

  async ready (timeoutMs = 30_000): Promise<PeergridEvent> {
    return await this.waitFor((e) => e.event === 'ready', timeoutMs, 'ready')
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
    if (this.child.exitCode == null && this.child.signalCode == null) {
      this.child.kill(signal)
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
      const result = await this.exited
      clearTimeout(timer)
      return result
    }
    return await this.exited
  }
}

/** Runs a short-lived `peergrid` command to completion. */
export async function runCli (args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawnPeergrid(args, env)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`peergrid ${args.join(' ')} timed out; stderr: ${stderr}`)) }, timeoutMs)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T> (check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, what = 'condition', everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
