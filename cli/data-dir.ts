/**
 * A data directory belongs to one running process: its identity and database must not be
 * shared. A pid lock file says who holds it; a lock left by a dead process is taken over.
 * Writing the lock is also the first test that the directory is usable, so its failures say
 * what is wrong with the directory (a file, unwritable, full) in one line.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from './errors.ts'
import { describeErrno, diskFullHint } from './startup-errors.ts'

const LOCK_FILE = 'lock.pid'
const FIX = 'make it writable by this user (and free some space), or pass another --data-dir'

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function isFile (path: string): boolean {
  try {
    return !statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** Creates `dir` if needed and locks it; returns the unlock function. */
export function lockDataDir (dir: string, role: string): () => void {
  const path = join(dir, LOCK_FILE)
  if (isFile(dir)) throw new CliError(`data directory ${dir} is a file, not a directory; pass another --data-dir`)
  try {
    mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw new CliError(`cannot create data directory ${dir}: ${describeErrno(err)}${diskFullHint(dir)}; ${FIX}`)
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' })
      return () => { rmSync(path, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // On a full disk the file is created but its pid not written: leave no empty lock behind.
        try { rmSync(path, { force: true }) } catch { /* it was never created */ }
        throw new CliError(`cannot write to data directory ${dir}: ${describeErrno(err)}${diskFullHint(dir)}; ${FIX}`)
      }
      let holder: number
      try {
        holder = Number(readFileSync(path, 'utf8'))
      } catch (readErr) {
        throw new CliError(`cannot read the lock file ${path}: ${describeErrno(readErr)}; ${FIX}`)
      }
      // An empty or garbled lock (a crash while it was written) holds nothing: pid 0 would
      // name our own process group, which is always alive.
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new CliError(`data directory ${dir} is in use by another ${role} (pid ${holder}); stop it or pass --data-dir`)
      }
      rmSync(path, { force: true })
    }
  }
  throw new CliError(`cannot lock data directory ${dir}`)
}
