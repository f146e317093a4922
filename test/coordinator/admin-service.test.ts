import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from '@jest/globals'
import { AdminService } from '../../coordinator/admin-service.ts'
import { ADMIN_TOKEN_FILE, loadOrCreateAdminToken } from '../../coordinator/coordinator.ts'
import { Scheduler } from '../../coordinator/scheduler.ts'
import { scratchStore } from '../helpers/scratch-store.ts'

describe('AdminService tokens', () => {
  const db = scratchStore('admin')
  let scheduler: Scheduler
  beforeEach(() => { scheduler = new Scheduler(db.store) })

  it.each<[string, 'OK' | 'UNAUTHORIZED', string, string]>([
    ['the right token', 'OK', 'secret', 'secret'],
    ['a wrong token', 'UNAUTHORIZED', 'secret', 'guess'],
    ['a token one character short', 'UNAUTHORIZED', 'secret', 'secre'],
    ['no token', 'UNAUTHORIZED', 'secret', ''],
    ['no token against a coordinator whose token is empty', 'UNAUTHORIZED', '', '']
  ])('a ban with %s gets %s', (_name, status, expected, given) => {
    const service = new AdminService(db.store, scheduler, expected)
    expect(service.handle({ type: 'setBan', token: given, peer: 'P', banned: true }).status).toBe(status)
    expect(scheduler.peers.isBanned('P')).toBe(status === 'OK')
  })

  it('writes a fresh token when admin.token is missing or empty, and keeps a real one', () => {
    const path = join(db.dir, ADMIN_TOKEN_FILE)
    const first = loadOrCreateAdminToken(db.dir)
    expect(first).toMatch(/^[\w-]{32}$/)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(loadOrCreateAdminToken(db.dir)).toBe(first)
    writeFileSync(path, '  \n')
    const second = loadOrCreateAdminToken(db.dir)
    expect(second).toMatch(/^[\w-]{32}$/)
    expect(readFileSync(path, 'utf8').trim()).toBe(second)
  })
})
