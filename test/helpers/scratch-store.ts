/**
 * A coordinator store in a fresh temporary directory for each test of the calling `describe`,
 * closed and removed after it. Registers the Jest hooks itself, so a suite says only what it
 * needs: `const db = scratchStore('sched')`, then `db.store`, `db.dir` inside tests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from '@jest/globals'
import { Store } from '../../coordinator/store.ts'

export interface ScratchStore {
  readonly dir: string
  store: Store
}

export function scratchStore (name: string): ScratchStore {
  const scratch = { dir: '', store: undefined as unknown as Store }
  beforeEach(() => {
    scratch.dir = mkdtempSync(join(tmpdir(), `peergrid-${name}-`))
    scratch.store = new Store(scratch.dir)
  })
  afterEach(() => {
    scratch.store.close()
    rmSync(scratch.dir, { recursive: true, force: true })
  })
  return scratch
}
