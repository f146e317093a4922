import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { SCHEMA_VERSION } from '../../coordinator/store-schema.ts'
import { Store, StoreError } from '../../coordinator/store.ts'

const columns = (db: DatabaseSync, table: string): string[] =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name)

describe('Store schema', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'peergrid-store-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  /** A database as a version-2 coordinator left it: no credit columns, one job, one peer. */
  function writeVersion2 (): void {
    const store = new Store(dir)
    store.insertJob({ id: 'j1', name: 'old', kind: 'primes', spec_json: '{}', state: 'running', units_total: 1, submitter: 'me', created_ms: 1 }, ['{"from":0,"to":10}'])
    store.touchPeer('P', 5, '/ip4/127.0.0.1/tcp/1')
    store.close()
    const db = new DatabaseSync(join(dir, 'coordinator.db'))
    db.exec(`ALTER TABLE units DROP COLUMN credit; ALTER TABLE results DROP COLUMN credit; ALTER TABLE peers DROP COLUMN credit;
      UPDATE meta SET value = '2' WHERE key = 'schema_version'`)
    db.close()
  }

  it('upgrades a version-2 database in place, keeping its data', () => {
    writeVersion2()
    const store = new Store(dir)
    expect(store.getJob('j1')?.name).toBe('old')
    expect(store.getPeer('P')).toMatchObject({ address: '/ip4/127.0.0.1/tcp/1', credit: 0 })
    store.close()
    const db = new DatabaseSync(join(dir, 'coordinator.db'))
    expect(columns(db, 'peers')).toContain('credit')
    expect(columns(db, 'units')).toContain('credit')
    expect(columns(db, 'results')).toContain('credit')
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({ value: String(SCHEMA_VERSION) })
    db.close()
  })

  it.each([['1'], ['99']])('refuses a database of version %s with a message that says what to do', (version) => {
    new Store(dir).close()
    const db = new DatabaseSync(join(dir, 'coordinator.db'))
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(version)
    db.close()
    expect(() => new Store(dir)).toThrow(StoreError)
    expect(() => new Store(dir)).toThrow(`has schema version ${version}; this coordinator understands ${SCHEMA_VERSION} and can upgrade from 2`)
  })

  it('keeps a peer\'s credit exact through grants and a revocation', () => {
    const store = new Store(dir)
    store.insertJob({ id: 'j', name: 'n', kind: 'primes', spec_json: '{}', state: 'running', units_total: 2, submitter: 'me', created_ms: 1 }, ['{}', '{}'])
    for (const [lease, idx, peer] of [['a0', 0, 'A'], ['b0', 0, 'B'], ['a1', 1, 'A'], ['b1', 1, 'B']] as const) {
      store.insertResult({ lease_id: lease, job_id: 'j', idx, peer, status: 'ok', digest: 'd', output: null, counted: 1, cpu_ms: 1, received_ms: 1 })
    }
    store.acceptUnit('j', 0, 'd', new Uint8Array(), 2, 1.5)
    store.grantCredit('j', 0, 'd', 1.5, 2)
    store.acceptUnit('j', 1, 'd', new Uint8Array(), 3, 0.25)
    store.grantCredit('j', 1, 'd', 0.25, 3)
    expect(store.peerCredit('A')).toBe(1.75)
    store.reopenUnit('j', 0, 'B', 4)
    expect(store.peerCredit('A')).toBe(0.25)
    expect(store.peerCredit('B')).toBe(0.25)
    expect(store.getUnit('j', 0)?.credit).toBeNull()
    store.close()
  })
})
