import type { Command } from 'commander'
import type { JobsClient } from '../../coordinator/client.ts'
import { withClient } from '../client.ts'
import { writeResult } from '../result-output.ts'

interface ResultsFlags { coordinator?: string, out?: string, json?: boolean }

/** Downloads a finished job's result, writes its file if any, prints the value. */
export async function saveResult (client: JobsClient, jobId: string, out: string | undefined, json: boolean, extra: Record<string, unknown> = {}): Promise<void> {
  const reply = await client.result(jobId)
  const value: unknown = JSON.parse(reply.valueJson)
  const result = reply.fileName !== '' ? { value: value as never, file: { name: reply.fileName, mediaType: reply.mediaType, bytes: reply.file } } : { value: value as never }
  const written = await writeResult(result, out)
  if (json) {
    process.stdout.write(JSON.stringify({ jobId, state: 'completed', result: value, file: written ?? null, ...extra }) + '\n')
  } else {
    process.stdout.write(`result: ${reply.valueJson}\n`)
    if (written != null) process.stdout.write(`written: ${written}\n`)
  }
}

export function registerResults (program: Command): void {
  program.command('results')
    .description('download the result of a completed job')
    .argument('<job>', 'job id (as printed by submit)')
    .option('-c, --coordinator <multiaddr>', 'coordinator address')
    .option('-o, --out <file>', 'write the result here (default: the file name the job kind gives, for file results)')
    .option('--json', 'print JSON instead of text')
    .addHelpText('after', '\nExample:\n  $ peergrid results jmwpywslhb2fee304 --out mandelbrot.png')
    .action(async (jobId: string, flags: ResultsFlags) => {
      await withClient(flags.coordinator, async (client) => { await saveResult(client, jobId, flags.out, flags.json === true) })
    })
}
