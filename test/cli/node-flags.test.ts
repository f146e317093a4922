/**
 * Every PeerGrid process runs with NODE_FLAGS: through the shebang of peergrid.js when it is
 * run as a command, and explicitly wherever a process is spawned (the demo, the tests, the
 * systemd example). A coordinator started that way holds a young generation of 2 × 8 MiB.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from '@jest/globals'
import { NODE_FLAGS } from '../../cli/node-flags.ts'
import { CLI, PeergridProcess } from '../helpers/processes.ts'

const text = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8')

describe('NODE_FLAGS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-node-flags-'))
  const procs: PeergridProcess[] = []
  afterAll(async () => {
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  it('are what the shebang of peergrid.js passes to node', () => {
    expect(text('../../cli/peergrid.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`)
  })

  it('are in the systemd example and the demo', () => {
    expect(text('../../examples/peergrid-worker.service')).toMatch(new RegExp(`^ExecStart=\\S+/node ${NODE_FLAGS.join(' ')} `, 'm'))
    expect(text('../../cli/commands/demo.ts')).toMatch(/spawn\(process\.execPath, \[\.\.\.NODE_FLAGS,/)
  })

  it('let peergrid.js run as a command through its shebang', async () => {
    const { stdout } = await promisify(execFile)(CLI, ['--version'])
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('fix the young generation of a coordinator process at 16 MiB, as its /metrics show', async () => {
    const coordinator = new PeergridProcess(['coordinator', '--data-dir', join(dir, 'c'), '--listen', '/ip4/127.0.0.1/tcp/0', '--http-port', '0', '--json'])
    procs.push(coordinator)
    const ready = await coordinator.ready()
    const metrics = await (await fetch(new URL('metrics', ready.dashboardUrl as string), { signal: AbortSignal.timeout(10_000) })).text()
    const committed = /^peergrid_v8_heap_space_bytes\{space="new_space",kind="committed"\} (\d+)$/m.exec(metrics)?.[1]
    expect(Number(committed) / 2 ** 20).toBe(16)
  }, 40_000)
})
