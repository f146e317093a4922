/**
 * Hostile input against a real coordinator over real libp2p streams: malformed frames,
 * oversized frames, unknown ids and wrong protocol versions on each protocol get an error
 * status (or a refused negotiation), and the coordinator keeps serving everyone else.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { JobsClient } from '../../coordinator/client.ts'
import { createCoordinator, type Coordinator } from '../../coordinator/coordinator.ts'
import { MAX_FRAME_BYTES } from '../../protocols/constants.ts'
import { PROTOCOLS } from '../../protocols/ids.ts'
import { decodeJobResponse, encodeJobRequest } from '../../protocols/jobs.ts'
import { createPeerGridNode, type PeerGridNode } from '../../protocols/node.ts'
import { openStream, type FramedStream } from '../../protocols/stream.ts'
import { decodeWorkResponse, encodeWorkRequest } from '../../protocols/work.ts'
import { createWorker } from '../../worker/worker.ts'

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

describe('hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-hostile-'))
  let coordinator: Coordinator
  let attacker: PeerGridNode<false>
  let addr: string

  beforeAll(async () => {
    coordinator = createCoordinator({ dataDir: join(dir, 'coordinator'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    await coordinator.start()
    addr = coordinator.multiaddrs[0]!
    attacker = await createPeerGridNode({ privateKey: await generateKeyPair('Ed25519'), listen: [], pubsub: false })
  })
  afterAll(async () => {
    await attacker.stop()
    await coordinator.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const open = async (protocol: string): Promise<FramedStream> => await openStream(attacker, addr, protocol, { maxFrameSize: MAX_FRAME_BYTES.jobResponse })
  const ask = async (protocol: string, send: (f: FramedStream) => void | Promise<void>): Promise<Uint8Array | undefined> => {
    const frames = await open(protocol)
    try {
      await send(frames)
      return await frames.read({ signal: AbortSignal.timeout(10_000) })
    } finally {
      frames.abort(new Error('done'))
    }
  }

  describe(PROTOCOLS.jobs, () => {
    it.each<[string, string, (f: FramedStream) => void | Promise<void>]>([
      ['garbage bytes', 'MALFORMED', async (f) => { await f.write(Uint8Array.from([0xff, 0x13, 0x37, 0x00, 0x42])) }],
      ['an unknown field', 'MALFORMED', async (f) => { await f.write(Uint8Array.from([...encodeJobRequest({ type: 'getStatus', jobId: '', units: false }), 0xf8, 0x07, 0x01])) }],
      ['an empty frame', 'MALFORMED', async (f) => { await f.write(new Uint8Array()) }],
      ['a frame over 1 MiB announced', 'FRAME_TOO_LARGE', (f) => { f.stream.send(varint(MAX_FRAME_BYTES.jobRequest + 1)) }],
      ['status of an unknown job', 'UNKNOWN_JOB', async (f) => { await f.write(encodeJobRequest({ type: 'getStatus', jobId: 'nope', units: true })) }],
      ['result of an unknown job', 'UNKNOWN_JOB', async (f) => { await f.write(encodeJobRequest({ type: 'getResult', jobId: 'nope' })) }],
      ['cancel of an unknown job', 'UNKNOWN_JOB', async (f) => { await f.write(encodeJobRequest({ type: 'cancelJob', jobId: 'nope' })) }],
      ['an invalid spec', 'INVALID_SPEC', async (f) => { await f.write(encodeJobRequest({ type: 'submitJob', specJson: '{"kind":"primes","params":{"from":5,"to":1},"units":1}' })) }],
      ['a spec that is not JSON', 'INVALID_SPEC', async (f) => { await f.write(encodeJobRequest({ type: 'submitJob', specJson: '{kind' })) }]
    ])('%s gets %s', async (_name, status, send) => {
      const reply = await ask(PROTOCOLS.jobs, send)
      expect(reply).toBeDefined()
      expect(decodeJobResponse(reply!).status).toBe(status)
    })
  })

  describe(PROTOCOLS.work, () => {
    it.each<[string, string, (f: FramedStream) => void | Promise<void>]>([
      ['garbage bytes', 'MALFORMED', async (f) => { await f.write(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])) }],
      ['an empty request', 'MALFORMED', async (f) => { await f.write(new Uint8Array()) }],
      ['a frame over 8 MiB announced', 'FRAME_TOO_LARGE', (f) => { f.stream.send(varint(MAX_FRAME_BYTES.workRequest + 1)) }],
      ['a pull limited to an unknown job', 'NO_WORK', async (f) => { await f.write(encodeWorkRequest({ type: 'pull', maxUnits: 4, jobIds: ['nope'] })) }]
    ])('%s gets %s', async (_name, status, send) => {
      const reply = await ask(PROTOCOLS.work, send)
      expect(reply).toBeDefined()
      expect(decodeWorkResponse(reply!).status).toBe(status)
    })

    it('a result for a lease never issued is acknowledged UNKNOWN_LEASE', async () => {
      const reply = await ask(PROTOCOLS.work, async (f) => {
        await f.write(encodeWorkRequest({ type: 'report', results: [{ leaseId: 'forged', status: 'OK', output: new Uint8Array([1]), error: '', cpuMs: 1 }] }))
      })
      const response = decodeWorkResponse(reply!)
      expect(response.status === 'OK' && response.body.type === 'reportAck' ? response.body.acks.map((a) => a.status) : response).toEqual(['UNKNOWN_LEASE'])
    })

    it('a malformed frame ends the stream after the error reply', async () => {
      const frames = await open(PROTOCOLS.work)
      await frames.write(Uint8Array.from([0xff]))
      expect(decodeWorkResponse((await frames.read())!).status).toBe('MALFORMED')
      await expect(frames.read({ signal: AbortSignal.timeout(10_000) })).resolves.toBeUndefined()
    })
  })

  it('a flood of pulls on one stream is throttled with BUSY, costs reputation, and every request still gets its reply', async () => {
    const frames = await open(PROTOCOLS.work)
    const flood = 600
    try {
      // Pipelined as fast as the stream takes them, far over 100 requests a second.
      const writing = (async () => { for (let i = 0; i < flood; i++) await frames.write(encodeWorkRequest({ type: 'pull', maxUnits: 1, jobIds: ['nope'] })) })()
      const statuses: string[] = []
      for (let i = 0; i < flood; i++) {
        const reply = await frames.read({ signal: AbortSignal.timeout(10_000) })
        statuses.push(decodeWorkResponse(reply!).status)
      }
      await writing
      const busy = statuses.filter((s) => s === 'BUSY').length
      expect(statuses.filter((s) => s !== 'BUSY' && s !== 'NO_WORK')).toEqual([])
      expect(flood - busy).toBeGreaterThanOrEqual(200) // the burst
      expect(busy).toBeGreaterThan(0)
    } finally {
      frames.abort(new Error('done'))
    }
    const reputation = coordinator.scheduler.peers.reputation(attacker.peerId.toString())
    expect(reputation.score).toBeLessThan(0.5)
    expect(reputation.state).not.toBe('banned')
  }, 30_000)

  it.each([['/peergrid/jobs/2.0.0'], ['/peergrid/work/0.9.0']])('a wrong protocol version (%s) is refused at negotiation', async (protocol) => {
    await expect(attacker.dialProtocol(coordinator.node.peerId, protocol)).rejects.toThrow(/protocol/i)
  })

  it('keeps serving everyone else after all of that', async () => {
    const worker = createWorker({ dataDir: join(dir, 'worker'), bootstrap: [addr], threads: 1, niceIncrement: 0 })
    await worker.start()
    const client = await JobsClient.connect({ coordinator: addr })
    try {
      const { jobId } = await client.submit(JSON.stringify({ kind: 'primes', params: { from: 0, to: 100_000 }, units: 4, quorum: 1 }))
      for (let i = 0; i < 300; i++) {
        const [status] = await client.status(jobId)
        if (status?.state === 'completed') break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(JSON.parse((await client.result(jobId)).valueJson)).toEqual({ count: 9592 })
    } finally {
      await client.close()
      await worker.stop()
    }
  }, 60_000)
})
