import type { ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { JobsClient } from '../../coordinator/client.ts'
import { peergridHome } from '../config.ts'
import { CliError } from '../errors.ts'
import { emit, untilSignalled } from '../lifecycle.ts'
import { spawnPeergrid } from '../node-flags.ts'
import { parseIntegerIn } from '../options.ts'
import { follow } from './submit.ts'
import { saveResult } from './results.ts'

interface DemoFlags { workers?: number, threads?: number, out?: string, job?: string, exit?: boolean, json?: boolean }

const EXAMPLE = fileURLToPath(new URL('../../examples/mandelbrot.json', import.meta.url))
const START_TIMEOUT_MS = 60_000

interface Child { name: string, process: ChildProcess, log: string, ready: Promise<Record<string, unknown>> }

/** Starts `peergrid <args> --json` as a child process logging to `log`; resolves on its ready line. */
function start (name: string, args: string[], log: string): Child {
  const child = spawnPeergrid([...args, '--json'])
  const out = createWriteStream(log)
  child.stderr!.pipe(out)
  const ready = new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new CliError(`${name} did not start within ${START_TIMEOUT_MS / 1000}s; see ${log}`)), START_TIMEOUT_MS)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out.write(line + '\n')
      try {
        const event = JSON.parse(line) as Record<string, unknown>
        if (event.event === 'ready') { clearTimeout(timer); resolveReady(event) }
      } catch { /* not an event line */ }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new CliError(`${name} exited (code ${code}) before it was ready; see ${log}`)) })
  })
  ready.catch(() => {})
  return { name, process: child, log, ready }
}

async function stopAll (children: Child[]): Promise<void> {
  await Promise.all(children.map(async ({ process: child }) => {
    if (child.exitCode != null || child.signalCode != null) return
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }))
}

export function registerDemo (program: Command): void {
  program.command('demo')
    .description('run a whole grid on this machine: a coordinator and workers as separate processes, a Mandelbrot job submitted, progress shown, the PNG written')
    .option('--workers <n>', 'worker processes', parseIntegerIn('workers', 1, 16), 2)
    .option('-t, --threads <n>', 'threads per worker', parseIntegerIn('threads', 1, 64), 1)
    .option('--job <file>', 'job file to submit instead of the Mandelbrot example')
    .option('-o, --out <file>', 'where to write the result', 'mandelbrot.png')
    .option('--exit', 'stop everything once the job is done instead of running until Ctrl-C')
    .option('--json', 'print JSON lines instead of text')
    .addHelpText('after', '\nExample:\n  $ npm start            (the same as: npx peergrid demo)\n  $ peergrid demo --workers 3 --exit')
    .action(async (flags: DemoFlags) => {
      const json = flags.json === true
      const base = join(peergridHome(), 'demo', `${Date.now()}`)
      mkdirSync(base, { recursive: true })
      const jobFile = flags.job ?? EXAMPLE
      const specJson = readFileSync(jobFile, 'utf8')
      const children: Child[] = []
      let stopped = false
      const shutdown = async (): Promise<void> => { stopped = true; await stopAll(children) }
      try {
        const coordinator = start('coordinator', ['coordinator', '--data-dir', join(base, 'coordinator'), '--announce-interval', '500',
          '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws'], join(base, 'coordinator.log'))
        children.push(coordinator)
        const ready = await coordinator.ready
        const address = (ready.addresses as string[])[0]!
        const dashboardUrl = typeof ready.dashboardUrl === 'string' ? ready.dashboardUrl : null
        for (let i = 1; i <= flags.workers!; i++) {
          children.push(start(`worker ${i}`, ['worker', '--data-dir', join(base, `worker-${i}`), '--threads', String(flags.threads), '--bootstrap', address], join(base, `worker-${i}.log`)))
        }
        await Promise.all(children.map(async (c) => await c.ready))
        emit(json, { event: 'ready', coordinator: address, dashboardUrl, dataDir: base, workers: flags.workers, pids: children.map((c) => c.process.pid) },
          `PeerGrid demo: a coordinator and ${flags.workers} workers on this machine\n  coordinator: ${address}\n` +
          (dashboardUrl != null ? `  dashboard: ${dashboardUrl}\n` : '') + `  data and logs: ${base}`)
        const client = await JobsClient.connect({ coordinator: address })
        try {
          const { jobId, units } = await client.submit(specJson)
          emit(json, { event: 'submitted', jobId, units }, `submitted ${jobId} (${units} units from ${jobFile})`)
          const status = await follow(client, jobId, 'demo', !json && process.stderr.isTTY)
          if (status.state !== 'completed') throw new CliError(`job ${jobId} ended ${status.state}; logs are in ${base}`)
          await saveResult(client, jobId, resolve(flags.out!), json, { event: 'done', coordinator: address, dataDir: base })
        } finally {
          await client.close()
        }
        if (flags.exit === true) {
          await shutdown()
          return
        }
        if (!json) process.stdout.write(`\nThe grid keeps running.${dashboardUrl != null ? ` Watch it at ${dashboardUrl}` : ''}\nTry, in another terminal:\n  npx peergrid status --coordinator ${address}\n  npx peergrid submit examples/primes.json --coordinator ${address} --wait\nCtrl-C stops everything.\n`)
        await untilSignalled(shutdown)
        emit(json, { event: 'stopped' }, 'demo stopped')
      } finally {
        if (!stopped) await shutdown()
      }
    })
}
