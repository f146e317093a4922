/** Two coordinators on loopback: one's bans reach the other as a prior, never as a verdict. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createCoordinator, type Coordinator } from '../../coordinator/coordinator.ts'
import { NEW_REPUTATION } from '../../coordinator/reputation.ts'
import { eventually } from '../helpers/processes.ts'

describe('reputation gossip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-gossip-'))
  let a: Coordinator
  let b: Coordinator
  const liar = '12D3KooWLiarLiarLiarLiarLiarLiarLiarLiarLiarLiarLiar'

  beforeAll(async () => {
    a = createCoordinator({ dataDir: join(dir, 'a'), listen: ['/ip4/127.0.0.1/tcp/0'], reputationIntervalMs: 200 })
    await a.start()
    b = createCoordinator({ dataDir: join(dir, 'b'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [a.multiaddrs[0]!], reputationIntervalMs: 200 })
    await b.start()
  })
  afterAll(async () => {
    await b.stop()
    await a.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('gives a peer banned elsewhere a lower starting score here, and nothing more', async () => {
    a.scheduler.setBanned(liar, true)
    await eventually(() => b.reputationGossip.prior(liar), 20_000, "b to hear a's report")
    const reputation = b.scheduler.peers.reputation(liar)
    expect(reputation.score).toBeLessThan(NEW_REPUTATION.score)
    expect(reputation.state).toBe('probation') // not banned here: a prior, not a verdict
    expect(b.scheduler.peers.vote(liar, 0.3).credibility).toBe(0.7) // credibility untouched
  }, 30_000)
})
