import type { Command } from 'commander'
import type { JobStatus } from '../../protocols/jobs.ts'
import { withClient } from '../client.ts'
import { formatDuration } from '../progress.ts'

interface StatusFlags { coordinator?: string, json?: boolean, units?: boolean }

const shortPeer = (id: string): string => id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id

export function formatJobLine (job: JobStatus, now = Date.now()): string {
  const seconds = ((job.finishedMs ?? now) - job.createdMs) / 1000
  return `${job.id}  ${job.kind.padEnd(13)} ${job.state.padEnd(9)} ${String(job.unitsAccepted).padStart(6)}/${String(job.unitsTotal).padEnd(6)} accepted  ${String(job.unitsFailed).padStart(4)} failed  ${String(job.resultsReceived).padStart(7)} results  ${formatDuration(seconds)}`
}

export function registerStatus (program: Command): void {
  program.command('status')
    .description('show the newest jobs, or one job (with --json or --units: every unit and the peers that returned it)')
    .argument('[job]', 'job id; omit to list the newest jobs')
    .option('-c, --coordinator <multiaddr>', 'coordinator address')
    .option('--units', 'with a job id: print every unit and its peers')
    .option('--json', 'print JSON instead of text (with a job id, units included)')
    .addHelpText('after', '\nExamples:\n  $ peergrid status\n  $ peergrid status jmwpywslhb2fee304 --units')
    .action(async (jobId: string | undefined, flags: StatusFlags) => {
      await withClient(flags.coordinator, async (client) => {
        const withUnits = jobId != null && (flags.json === true || flags.units === true)
        const { jobs, total, note } = jobId != null ? { jobs: await client.status(jobId, withUnits), total: 1, note: '' } : await client.list()
        if (flags.json === true) {
          process.stdout.write(JSON.stringify(jobId != null ? jobs[0] : { jobs, total, ...(note !== '' ? { note } : {}) }) + '\n')
          return
        }
        if (jobs.length === 0) process.stdout.write('no jobs\n')
        for (const job of jobs) process.stdout.write(formatJobLine(job) + '\n')
        // After the list, where it is seen: the oldest jobs scrolled away first.
        if (note !== '') process.stdout.write(`(${note})\n`)
        if (withUnits) {
          for (const unit of jobs[0]?.units ?? []) {
            process.stdout.write(`  unit ${String(unit.index).padStart(5)}  ${unit.state.padEnd(9)} ${unit.results} results  ${unit.peers.map(shortPeer).join(' ')}\n`)
          }
        }
      })
    })
}
