import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

/**
 * The V8 flags every PeerGrid process runs with. The shebang of peergrid.js carries the same
 * list (a test keeps the two equal); {@link spawnPeergrid} (the demo, the tests, the soak) and
 * the systemd example pass them explicitly.
 *
 * They fix the young generation at two 8 MiB semi-spaces. By default V8 grows it to 64 MiB
 * under load and shrinks it again when the process is quiet for a moment; on a long-running
 * coordinator that swing was most of what its RSS did in the soak (up and down by 50 MiB on
 * about 200), while what a coordinator allocates (messages, rows) dies young and needs far
 * less. The coordinator benchmark shows no cost in throughput.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--min-semi-space-size=8']

/**
 * The environment every PeerGrid process starts with, carried the same ways as NODE_FLAGS
 * (glibc reads it once, before any JavaScript runs).
 *
 * It fixes glibc's mmap threshold at its initial 128 KiB. By default glibc raises the
 * threshold each time a large mmapped block is freed (here to 4 MiB within minutes), and from
 * then on blocks up to that size come from the threads' malloc arenas, which keep the freed
 * space. In the soak that was a worker's RSS growth: its unit thread's arena grew from 10 to
 * 18 MiB of which 16 MiB free, then a new arena appeared, a step of 14 MiB a quarter of an
 * hour in, while a worker with the threshold fixed stayed flat. Other C libraries ignore it.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' }

/** The `peergrid` command's entry point. */
export const PEERGRID_JS = fileURLToPath(new URL('./peergrid.js', import.meta.url))

/** Starts `peergrid <args>` on this Node with NODE_FLAGS and ALLOCATOR_ENV (then `env`), its output piped. */
export function spawnPeergrid (args: readonly string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [...NODE_FLAGS, '--disable-warning=ExperimentalWarning', PEERGRID_JS, ...args], {
    env: { ...process.env, ...ALLOCATOR_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}
