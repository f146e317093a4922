/** Exit codes of the `peergrid` command. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
/** Bad usage or an invalid job file: nothing was run or sent. */
export const EXIT_USAGE = 2

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number
  readonly details: string[]
  constructor (message: string, exitCode: number = EXIT_FAILURE, details: string[] = []) {
    super(message)
    this.exitCode = exitCode
    this.details = details
  }
}
