/**
 * Every PeerGrid process runs with NODE_FLAGS and ALLOCATOR_ENV: through the shebang of
 * peergrid.js when it is run as a command, and explicitly wherever a process is spawned (the
 * demo, the tests, the systemd example). A coordinator started that way holds a young
 * generation of 2 × 8 MiB.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from '@jest/globals'
import { ALLOCATOR_ENV, NODE_FLAGS } from '../../cli/node-flags.ts'
import { CLI, PeergridProcess } from '../helpers/processes.ts'

const text = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('NODE_FLAGS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-node-flags-'))
  const procs: PeergridProcess[] = []
  afterAll(async () => {
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  const assignments = Object.entries(ALLOCATOR_ENV).map(([name, value]) => `${name}=${value}`)

  it('are what the shebang of peergrid.js passes to node, with ALLOCATOR_ENV', () => {
    expect(text('../../cli/peergrid.js').split('\n')[0]).toBe(`#!/usr/bin/env -S ${assignments.join(' ')} node ${NODE_FLAGS.join(' ')}`)
  })

  it('are in the systemd example and the demo, with ALLOCATOR_ENV', () => {
    const unit = text('../../examples/peergrid-worker.service')
    expect(unit).toMatch(new RegExp(`^ExecStart=\\S+/node ${NODE_FLAGS.join(' ')} `, 'm'))
    for (const assignment of assignments) expect(unit.split('\n')).toContain(`Environment=${assignment}`)
    // The demo starts its processes through spawnPeergrid, whose effect the last test checks.
    expect(text('../../cli/commands/demo.ts')).toMatch(/spawnPeergrid\(\[\.\.\.args, '--json'\]\)/)
  })

  it('let peergrid.js run as a command through its shebang', async () => {
    const { stdout } = await promisify(execFile)(CLI, ['--version'])
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('reach a process started through the shebang: its environment holds ALLOCATOR_ENV', async () => {
    if (process.platform !== 'linux') return // /proc is Linux's
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in ALLOCATOR_ENV)))
    const child = spawn(CLI, ['coordinator', '--data-dir', join(dir, 'shebang'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-http', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('"ready"')) resolve() })
        child.once('exit', (code) => { reject(new Error(`the coordinator exited (${code}) before it was ready`)) })
      })
      // env(1) exec()s node in the same process, so its initial environment is node's.
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      for (const assignment of assignments) expect(environ).toContain(assignment)
    } finally {
      child.kill('SIGKILL')
    }
  }, 40_000)

  it('fix the young generation of a coordinator process spawnPeergrid starts at 16 MiB, as its /metrics show, and set ALLOCATOR_ENV', async () => {
    const coordinator = new PeergridProcess(['coordinator', '--data-dir', join(dir, 'c'), '--listen', '/ip4/127.0.0.1/tcp/0', '--http-port', '0', '--json'])
    procs.push(coordinator)
    const ready = await coordinator.ready()
    const metrics = await (await fetch(new URL('metrics', ready.dashboardUrl as string), { signal: AbortSignal.timeout(10_000) })).text()
    const committed = /^peergrid_v8_heap_space_bytes\{space="new_space",kind="committed"\} (\d+)$/m.exec(metrics)?.[1]
    expect(Number(committed) / 2 ** 20).toBe(16)
    if (process.platform === 'linux') {
      const environ = readFileSync(`/proc/${coordinator.pid}/environ`, 'utf8').split('\0')
      for (const assignment of assignments) expect(environ).toContain(assignment)
    }
  }, 40_000)
})
