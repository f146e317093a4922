import { CoordinatorRequestError, JobsClient } from '../coordinator/client.ts'
import { resolveCoordinator } from './config.ts'
import { CliError, EXIT_USAGE } from './errors.ts'

/** Connects to the coordinator, runs `fn`, always closes; turns failures into one-line errors. */
export async function withClient<T> (flag: string | undefined, fn: (client: JobsClient) => Promise<T>): Promise<T> {
  const coordinator = resolveCoordinator(flag)
  let client: JobsClient
  try {
    client = await JobsClient.connect({ coordinator })
  } catch (err) {
    throw new CliError(`bad coordinator address ${coordinator}: ${(err as Error).message}`, EXIT_USAGE)
  }
  try {
    return await fn(client)
  } catch (err) {
    if (err instanceof CliError) throw err
    if (err instanceof CoordinatorRequestError) throw new CliError(`coordinator refused (${err.status}): ${err.message.split('\n').join('\n  ')}`, err.status === 'INVALID_SPEC' ? EXIT_USAGE : 1)
    throw new CliError(`cannot reach coordinator ${coordinator}: ${(err as Error).message}`)
  } finally {
    await client.close()
  }
}
