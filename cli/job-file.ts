import { readFile } from 'node:fs/promises'
import { parseJobSpec, type JobSpec } from '../jobs/spec.ts'
import { CliError, EXIT_USAGE } from './errors.ts'

/** Reads and validates a job file, failing with exit code 2 and one line per problem. */
export async function readJobFile (path: string): Promise<JobSpec> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new CliError(`cannot read job file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT_USAGE)
  }
  const checked = parseJobSpec(text)
  if (!checked.ok) {
    throw new CliError(`invalid job file ${path}:`, EXIT_USAGE, checked.errors)
  }
  return checked.spec
}
