import type { Command } from 'commander'
import { withClient } from '../client.ts'

export function registerCancel (program: Command): void {
  program.command('cancel')
    .description('stop a running job: outstanding leases are cancelled, results that arrive later are ignored')
    .argument('<job>', 'job id')
    .option('-c, --coordinator <multiaddr>', 'coordinator address')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', '\nExample:\n  $ peergrid cancel jmwpywslhb2fee304')
    .action(async (jobId: string, flags: { coordinator?: string, json?: boolean }) => {
      await withClient(flags.coordinator, async (client) => {
        await client.cancel(jobId)
        const [job] = await client.status(jobId)
        process.stdout.write(flags.json === true ? JSON.stringify({ jobId, state: job?.state }) + '\n' : `job ${jobId}: ${job?.state ?? 'unknown'}\n`)
      })
    })
}
