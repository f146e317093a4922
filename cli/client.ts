import { CoordinatorRequestError, JobsClient } from '../coordinator/client.ts'
import { parseAddress } from './addresses.ts'
import { resolveCoordinator } from './config.ts'
import { CliError, EXIT_USAGE } from './errors.ts'
import { firstLine } from './startup-errors.ts'

/** Connects to the coordinator, runs `fn`, always closes; turns failures into one-line errors. */
export async function withClient<T> (flag: string | undefined, fn: (client: JobsClient) => Promise<T>): Promise<T> {
  const coordinator = resolveCoordinator(flag)
  parseAddress('coordinator', coordinator)
  let client: JobsClient
  try {
    client = await JobsClient.connect({ coordinator })
  } catch (err) {
    throw new CliError(`cannot start a client for ${coordinator}: ${firstLine(err)}`)
  }
  try {
    return await fn(client)
  } catch (err) {
    if (err instanceof CliError) throw err
    if (err instanceof CoordinatorRequestError) throw new CliError(`coordinator refused (${err.status}): ${err.message.split('\n').join('\n  ')}`, err.status === 'INVALID_SPEC' ? EXIT_USAGE : 1)
    throw new CliError(`cannot reach coordinator ${coordinator}: ${firstLine(err)}`)
  } finally {
    await client.close()
  }
}
