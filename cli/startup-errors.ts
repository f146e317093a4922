/**
 * Why a coordinator or worker could not start, in one line a person can act on: the failing
 * file or address, what the system said in words, and what to do. Exit code 1 (a problem of
 * this machine: data directory, disk, port), or 2 when the configuration itself is wrong.
 */
import { statfsSync } from 'node:fs'
import { NodeConfigError } from '../protocols/node.ts'
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.ts'

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file size limit is reached',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or directory',
  EIO: 'an input/output error (a failing disk?)',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files in this process',
  EADDRINUSE: 'the address is in use by another process',
  EADDRNOTAVAIL: 'this machine has no such address'
}

/** "permission denied (EACCES)", or the error's first line when its code is not a known one. */
export function describeErrno (err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined
  const text = code != null ? ERRNO_TEXT[code] : undefined
  return text != null ? `${text} (${code})` : firstLine(err)
}

/** Free bytes on the file system holding `path`, or undefined when it cannot be told. */
export function freeBytes (path: string): number | undefined {
  try {
    const stats = statfsSync(path)
    return Number(stats.bavail) * Number(stats.bsize)
  } catch {
    return undefined
  }
}

const NEARLY_FULL_BYTES = 1024 * 1024

/** A hint when the disk holding `dir` is (nearly) full, which explains most storage failures. */
export function diskFullHint (dir: string): string {
  const free = freeBytes(dir)
  return free != null && free < NEARLY_FULL_BYTES ? `; the disk holding ${dir} is full (${Math.floor(free / 1024)} KiB free)` : ''
}

export interface ListenFailure { address: string, reason: string }

/**
 * Picks the failing address and its reason out of libp2p's "Some configured addresses failed
 * to be listened on" error, whose text lists each address with a stack under it.
 */
export function parseListenFailure (message: string): ListenFailure | undefined {
  if (!message.startsWith('Some configured addresses failed to be listened on')) return undefined
  for (const line of message.split('\n')) {
    const match = /^\s{2}(\/\S+): (.*)$/.exec(line)
    if (match == null) continue
    const [, address, detail] = match as unknown as [string, string, string]
    const code = /\b(E[A-Z]{3,})\b/.exec(detail)?.[1]
    const reason = code != null && ERRNO_TEXT[code] != null
      ? `${ERRNO_TEXT[code]} (${code})`
      : /No transport was configured/.test(detail) ? 'no transport listens on such an address; use …/tcp/PORT, …/tcp/PORT/ws or …/udp/PORT/webrtc-direct' : detail.replace(/^\w*Error: /, '')
    return { address, reason }
  }
  return undefined
}

/** The one-line error a role reports when `start()` failed. */
export function startupError (role: 'coordinator' | 'worker', err: unknown, dataDir: string): CliError {
  if (err instanceof CliError) return err
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof NodeConfigError) return new CliError(`cannot start the ${role}: ${firstLine(err)}`, EXIT_USAGE)
  const listen = parseListenFailure(message)
  if (listen != null) return new CliError(`cannot start the ${role}: cannot listen on ${listen.address}: ${listen.reason}`, EXIT_FAILURE)
  if (/Failed to register ICE UDP mux listener/.test(message)) {
    return new CliError(`cannot start the ${role}: cannot listen on its webrtc-direct (UDP) address: the port is probably in use; choose another port`, EXIT_FAILURE)
  }
  const errno = err as NodeJS.ErrnoException & { address?: string, port?: number }
  if (errno.code != null && ERRNO_TEXT[errno.code] != null) {
    // A socket error names its address; anything else is about a file in the data directory.
    const where = errno.address != null ? `${errno.address}${errno.port != null ? `:${errno.port}` : ''}` : errno.path ?? dataDir
    return new CliError(`cannot start the ${role}: ${where}: ${describeErrno(err)}${errno.address != null ? '' : diskFullHint(dataDir)}`, EXIT_FAILURE)
  }
  return new CliError(`cannot start the ${role}: ${firstLine(err)}${diskFullHint(dataDir)}`, EXIT_FAILURE)
}

/** The first line of an error's message: libp2p and SQLite messages may carry more. */
export function firstLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n').find((line) => line.trim() !== '')?.trim() ?? message.trim()
}
