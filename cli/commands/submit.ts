import type { Command } from 'commander'
import type { JobsClient } from '../../coordinator/client.ts'
import type { JobStatus } from '../../protocols/jobs.ts'
import { withClient } from '../client.ts'
import { CliError } from '../errors.ts'
import { readJobFile } from '../job-file.ts'
import { ProgressBar } from '../progress.ts'
import { saveResult } from './results.ts'

interface SubmitFlags { coordinator?: string, wait?: boolean, json?: boolean, out?: string, poll?: number }

const POLL_MS = 250

/** Follows a job until it leaves `running`, drawing the progress bar as units are accepted. */
export async function follow (client: JobsClient, jobId: string, label: string, showBar: boolean): Promise<JobStatus> {
  const bar = new ProgressBar({ label, total: 0 })
  for (;;) {
    const [status] = await client.status(jobId)
    if (status == null) throw new CliError(`job ${jobId} vanished from the coordinator`)
    bar.setTotal(status.unitsTotal)
    if (showBar) bar.update(status.unitsAccepted)
    if (status.state !== 'running') {
      if (showBar) bar.finish()
      return status
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

export function registerSubmit (program: Command): void {
  program.command('submit')
    .description('send a job to a coordinator (validated here first: nothing is sent when the file is wrong)')
    .argument('<job.json>', 'the job file (see examples/ and jobs/job.schema.json)')
    .option('-c, --coordinator <multiaddr>', 'coordinator address (default: $PEERGRID_COORDINATOR, ~/.peergrid/config.json, or the local coordinator)')
    .option('-w, --wait', 'follow the job with a progress bar until it ends, then fetch its result')
    .option('-o, --out <file>', 'with --wait: write the result here (the PNG for mandelbrot, JSON otherwise)')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', `
Examples:
  $ peergrid submit examples/primes.json --coordinator /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...
  $ peergrid submit examples/mandelbrot.json --wait --out mandelbrot.png
Exit codes: 0 done, 1 failed or unreachable, 2 invalid job file (nothing sent).`)
    .action(async (file: string, flags: SubmitFlags) => {
      const spec = await readJobFile(file)
      const json = flags.json === true
      await withClient(flags.coordinator, async (client) => {
        const { jobId, units } = await client.submit(JSON.stringify(spec))
        if (flags.wait !== true) {
          process.stdout.write(json ? JSON.stringify({ jobId, units }) + '\n' : `submitted ${jobId} (${units} units)\n  follow: peergrid status ${jobId}\n  result: peergrid results ${jobId}\n`)
          return
        }
        if (!json) process.stderr.write(`submitted ${jobId} (${units} units)\n`)
        const status = await follow(client, jobId, spec.kind, !json)
        if (status.state !== 'completed') {
          if (json) process.stdout.write(JSON.stringify({ jobId, state: status.state, unitsAccepted: status.unitsAccepted, unitsFailed: status.unitsFailed }) + '\n')
          throw new CliError(`job ${jobId} ended ${status.state} (${status.unitsAccepted}/${status.unitsTotal} accepted, ${status.unitsFailed} failed)`)
        }
        await saveResult(client, jobId, flags.out, json, { unitsTotal: status.unitsTotal, resultsReceived: status.resultsReceived, seconds: ((status.finishedMs ?? Date.now()) - status.createdMs) / 1000 })
      })
    })
}
