import type { Command } from 'commander'
import { createEngine } from '../../worker/engine.ts'
import { runLocal, UnitFailedError } from '../../worker/local-runner.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { readJobFile } from '../job-file.ts'
import { ProgressBar } from '../progress.ts'
import { writeResult } from '../result-output.ts'
import { parseThreads } from '../options.ts'

interface RunFlags { local?: boolean, threads?: number, json?: boolean, out?: string }

export function registerRun (program: Command): void {
  program.command('run')
    .description('run a job on this machine: split it, run every unit in a local thread pool, merge, print the result')
    .argument('<job.json>', 'the job file (see examples/ and jobs/job.schema.json)')
    .option('--local', 'run on this machine (the only mode of `run`; use `submit` for the grid)')
    .option('-t, --threads <n>', 'worker threads (default: one per core)', parseThreads)
    .option('--json', 'print one JSON object with a `result` field instead of text')
    .option('-o, --out <file>', 'write the result (the PNG for mandelbrot, JSON otherwise) to this file')
    .addHelpText('after', '\nExample:\n  $ peergrid run examples/primes.json --local --threads 2\n  $ peergrid run examples/mandelbrot.json --local --out mandelbrot.png --json')
    .action(async (file: string, flags: RunFlags) => {
      if (flags.local !== true) throw new CliError('`run` executes jobs on this machine only: add --local (or use `peergrid submit` for the grid)', EXIT_USAGE)
      const spec = await readJobFile(file)
      const engine = createEngine(flags.threads != null ? { threads: flags.threads } : {})
      const bar = new ProgressBar({ label: spec.kind, total: spec.units })
      engine.start()
      const abort = new AbortController()
      const onSignal = (): void => abort.abort()
      process.once('SIGINT', onSignal)
      try {
        const report = await runLocal(engine, spec, {
          signal: abort.signal,
          onProgress: ({ done, total }) => { bar.setTotal(total); if (flags.json !== true) bar.update(done) }
        })
        if (flags.json !== true) bar.finish()
        const written = await writeResult(report.result, flags.out)
        if (flags.json === true) {
          process.stdout.write(JSON.stringify({ result: report.result.value, file: written ?? null, units: report.units, threads: engine.threads, wallMs: Math.round(report.wallMs), cpuMs: Math.round(report.cpuMs) }) + '\n')
        } else {
          process.stdout.write(`result: ${JSON.stringify(report.result.value)}\n`)
          if (written != null) process.stdout.write(`written: ${written}\n`)
          process.stdout.write(`${report.units} units on ${engine.threads} threads in ${(report.wallMs / 1000).toFixed(2)}s (${(report.cpuMs / 1000).toFixed(2)}s CPU)\n`)
        }
      } catch (err) {
        if (err instanceof UnitFailedError) {
          throw new CliError(abort.signal.aborted ? 'interrupted: no result' : `job failed: ${err.message}`)
        }
        throw err
      } finally {
        process.off('SIGINT', onSignal)
        await engine.stop()
      }
    })
}
