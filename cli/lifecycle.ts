/** Runs a long-lived role until SIGINT or SIGTERM, then stops it cleanly once. */
export async function untilSignalled (stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      process.stderr.write(`\n${signal}: stopping…\n`)
      stop().then(resolve, (err: Error) => {
        process.stderr.write(`peergrid: stopping failed: ${err.message}\n`)
        resolve()
      })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}

/** One line on stdout: JSON for scripts and tests, or text for people. */
export function emit (json: boolean, event: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(event) + '\n' : text + '\n')
}
