/**
 * The `peergrid` command: one program, one subcommand per module in `commands/`.
 */
import { Command, CommanderError } from 'commander'
import { registerCancel } from './commands/cancel.ts'
import { registerCoordinator } from './commands/coordinator.ts'
import { registerDemo } from './commands/demo.ts'
import { registerPeers } from './commands/peers.ts'
import { registerResults } from './commands/results.ts'
import { registerRun } from './commands/run.ts'
import { registerStatus } from './commands/status.ts'
import { registerSubmit } from './commands/submit.ts'
import { registerWorker } from './commands/worker.ts'
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.ts'
import { firstLine } from './startup-errors.ts'

export function buildProgram (): Command {
  const program = new Command('peergrid')
    .description('PeerGrid: a peer-to-peer volunteer computing grid.\nSubmit jobs, donate idle CPU, watch every peer\'s reputation.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  registerRun(program)
  registerCoordinator(program)
  registerWorker(program)
  registerSubmit(program)
  registerStatus(program)
  registerResults(program)
  registerCancel(program)
  registerPeers(program)
  registerDemo(program)
  return program
}

export async function main (argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message; help and version are successful exits
      return err.exitCode === 0 ? 0 : EXIT_USAGE
    }
    if (err instanceof CliError) {
      process.stderr.write(`peergrid: ${err.message}\n`)
      for (const line of err.details) process.stderr.write(`  ${line}\n`)
      return err.exitCode
    }
    // One line whatever the error: libp2p and SQLite messages may carry lists and stacks.
    process.stderr.write(`peergrid: ${firstLine(err)}\n`)
    if (process.env.DEBUG != null && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`)
    return EXIT_FAILURE
  }
}
