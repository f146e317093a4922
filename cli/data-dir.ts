/**
 * A data directory belongs to one running process: its identity and database must not be
 * shared. A pid lock file says who holds it; a lock left by a dead process is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from './errors.ts'

const LOCK_FILE = 'lock.pid'

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Creates `dir` if needed and locks it; returns the unlock function. */
export function lockDataDir (dir: string, role: string): () => void {
  const path = join(dir, LOCK_FILE)
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw new CliError(`cannot create data directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass another --data-dir`)
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' })
      return () => { rmSync(path, { force: true }) }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') throw new CliError(`cannot use data directory ${dir}: ${code ?? (err as Error).message} (is it writable and not full?)`)
      const holder = Number(readFileSync(path, 'utf8'))
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new CliError(`data directory ${dir} is in use by another ${role} (pid ${holder}); stop it or pass --data-dir`)
      }
      rmSync(path, { force: true })
    }
  }
  throw new CliError(`cannot lock data directory ${dir}`)
}
