import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { FrameTooLargeError } from '../../protocols/errors.ts'
import type { PeerGridNode } from '../../protocols/node.ts'
import { FramedStream, FrameTruncatedError, handle, NoResponseError, openStream, request } from '../../protocols/stream.ts'
import { TestNodes } from './nodes.ts'

const ECHO = '/peergrid-test/echo/1.0.0'
const REPLY_ERROR_NAME = '/peergrid-test/error-name/1.0.0'
const SMALL_LIMIT = '/peergrid-test/small-limit/1.0.0'

const nodes = new TestNodes()
let server: PeerGridNode<false>
let client: PeerGridNode<false>
const extraProtocols: string[] = []

const utf8 = new TextEncoder()
const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

beforeAll(async () => {
  server = await nodes.start({ pubsub: false })
  client = await nodes.start({ pubsub: false, listen: [] })
  // Tests may then open streams by peer id alone.
  await client.dial(server.getMultiaddrs())
  await handle(server, ECHO, async (frames) => {
    for await (const frame of frames) {
      await frames.write(frame)
    }
  })
  // Reads one frame and answers with the name of the error that reading raised.
  const replyErrorName = async (frames: FramedStream): Promise<void> => {
    try {
      await frames.read()
      await frames.write(utf8.encode('no error'))
    } catch (err) {
      await frames.write(utf8.encode((err as Error).name))
    }
  }
  await handle(server, REPLY_ERROR_NAME, replyErrorName)
  await handle(server, SMALL_LIMIT, replyErrorName, { maxFrameSize: 1024 })
})

afterEach(async () => {
  await Promise.all(extraProtocols.splice(0).map(async (protocol) => { await server.unhandle(protocol) }))
})

afterAll(async () => {
  await nodes.stopAll()
})

describe('FramedStream over a real TCP connection', () => {
  it('carries a 4 MiB frame intact', async () => {
    const payload = randomBytes(4 * 1024 * 1024)
    const frames = await openStream(client, server.getMultiaddrs(), ECHO)

    await frames.write(payload)
    const echoed = await frames.read()
    await frames.close()

    expect(echoed?.byteLength).toBe(payload.byteLength)
    expect(Buffer.compare(Buffer.from(echoed!), payload)).toBe(0)
    expect(await frames.read()).toBeUndefined()
  })

  it('delivers 1000 small frames in order and then a clean end', async () => {
    const sent = Array.from({ length: 1000 }, (_, index) => `frame ${index} ${'x'.repeat(index % 37)}`)
    const frames = await openStream(client, server.peerId, ECHO)

    for (const message of sent) {
      await frames.write(utf8.encode(message))
    }
    await frames.close()
    const received: string[] = []
    for await (const frame of frames) {
      received.push(text(frame))
    }

    expect(received).toEqual(sent)
  })

  it('makes writers wait for the transport instead of buffering without bound', async () => {
    const frameSize = 1024 * 1024
    const count = 48
    const received = Promise.withResolvers<number[]>()
    extraProtocols.push('/peergrid-test/slow-reader/1.0.0')
    await handle(server, '/peergrid-test/slow-reader/1.0.0', async (frames) => {
      const firstBytes: number[] = []
      for await (const frame of frames) {
        firstBytes.push(frame[0]!)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      received.resolve(firstBytes)
    })
    const frames = await openStream(client, server.peerId, '/peergrid-test/slow-reader/1.0.0')

    let mostQueued = 0
    for (let index = 0; index < count; index++) {
      await frames.write(new Uint8Array(frameSize).fill(index))
      mostQueued = Math.max(mostQueued, frames.stream.writeBufferLength)
    }
    await frames.close()

    // What is queued after a write resolves is at most the frame that did not fit and the
    // one after it; without backpressure it would grow towards the whole 48 MiB.
    expect(mostQueued).toBeLessThanOrEqual(2 * (frameSize + 8))
    expect(await received.promise).toEqual(Array.from({ length: count }, (_, index) => index))
  })

  it('pauses a stream flooded with empty frames until the reader takes them', async () => {
    const empties = 100_000
    const paused = Promise.withResolvers<void>()
    const count = Promise.withResolvers<number>()
    extraProtocols.push('/peergrid-test/flood/1.0.0')
    await handle(server, '/peergrid-test/flood/1.0.0', async (frames) => {
      const pause = frames.stream.pause.bind(frames.stream)
      frames.stream.pause = () => {
        paused.resolve()
        pause()
      }
      // Read nothing until the queue has filled up and the stream was paused.
      await paused.promise
      let frameCount = 0
      for await (const _ of frames) frameCount++
      count.resolve(frameCount)
    })
    const raw = await client.dialProtocol(server.peerId, '/peergrid-test/flood/1.0.0')

    // Each zero byte is a whole, empty frame.
    raw.send(new Uint8Array(empties))
    await raw.close()

    expect(await count.promise).toBe(empties)
  }, 10_000)

  it('refuses to send a frame over its own limit', async () => {
    const frames = await openStream(client, server.peerId, ECHO, { maxFrameSize: 16 })

    await expect(frames.write(new Uint8Array(17))).rejects.toThrow(FrameTooLargeError)
    await frames.write(new Uint8Array(16))
    expect((await frames.read())?.byteLength).toBe(16)
    await frames.close()
  })

  it('rejects an inbound frame over the limit', async () => {
    const frames = await openStream(client, server.peerId, SMALL_LIMIT)

    await frames.write(new Uint8Array(1025))

    expect(text(await frames.read())).toBe('FrameTooLargeError')
    await frames.close()
  })

  it('rejects an oversize length prefix before any of the body arrives', async () => {
    const raw = await client.dialProtocol(server.peerId, SMALL_LIMIT)
    const frames = new FramedStream(raw)

    // 2^30 as a varint, and not one byte of the gigabyte it announces.
    raw.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04))

    expect(text(await frames.read())).toBe('FrameTooLargeError')
    frames.abort(new Error('test done'))
  })

  it('reports a stream that ends in the middle of a frame', async () => {
    const raw = await client.dialProtocol(server.peerId, REPLY_ERROR_NAME)
    const frames = new FramedStream(raw)

    raw.send(Uint8Array.of(10, 1, 2, 3))
    await raw.close()

    expect(text(await frames.read())).toBe(FrameTruncatedError.name)
  })

  it('rejects a waiting read when the peer resets the stream', async () => {
    const readOutcome = Promise.withResolvers<unknown>()
    extraProtocols.push('/peergrid-test/wait/1.0.0')
    await handle(server, '/peergrid-test/wait/1.0.0', async (frames) => {
      await frames.read()
      readOutcome.resolve(await frames.read().then(() => 'resolved', (err: unknown) => err))
    })
    const frames = await openStream(client, server.peerId, '/peergrid-test/wait/1.0.0')

    await frames.write(utf8.encode('hello'))
    frames.abort(new Error('client gave up'))

    expect(await readOutcome.promise).toHaveProperty('name', 'StreamResetError')
  })

  it('gives a read that is aborted the signal reason', async () => {
    const frames = await openStream(client, server.peerId, ECHO)
    const controller = new AbortController()

    const pending = frames.read({ signal: controller.signal })
    controller.abort(new Error('stop waiting'))

    await expect(pending).rejects.toThrow('stop waiting')
    frames.abort(new Error('test done'))
  })
})

describe('request', () => {
  it('returns the first frame of the response', async () => {
    extraProtocols.push('/peergrid-test/reverse/1.0.0')
    await handle(server, '/peergrid-test/reverse/1.0.0', async (frames) => {
      const frame = await frames.read()
      await frames.write(Uint8Array.from(frame ?? []).reverse())
    })

    const response = await request(client, server.getMultiaddrs()[0]!.toString(), '/peergrid-test/reverse/1.0.0', Uint8Array.of(1, 2, 3))

    expect([...response]).toEqual([3, 2, 1])
  })

  it('fails with NoResponseError when the handler answers nothing', async () => {
    extraProtocols.push('/peergrid-test/silent/1.0.0')
    await handle(server, '/peergrid-test/silent/1.0.0', async (frames) => { await frames.read() })

    await expect(request(client, server.peerId, '/peergrid-test/silent/1.0.0', Uint8Array.of(1)))
      .rejects.toThrow(NoResponseError)
  })

  it('fails when the handler throws, which resets the stream', async () => {
    extraProtocols.push('/peergrid-test/throws/1.0.0')
    await handle(server, '/peergrid-test/throws/1.0.0', async () => { throw new Error('handler bug') })

    await expect(request(client, server.peerId, '/peergrid-test/throws/1.0.0', Uint8Array.of(1)))
      .rejects.toHaveProperty('name', 'StreamResetError')
  })

  it('gives up after its timeout', async () => {
    extraProtocols.push('/peergrid-test/stall/1.0.0')
    const stalled = Promise.withResolvers<void>()
    await handle(server, '/peergrid-test/stall/1.0.0', async () => { await stalled.promise })

    const started = Date.now()
    await expect(request(client, server.peerId, '/peergrid-test/stall/1.0.0', Uint8Array.of(1), { timeoutMs: 300 }))
      .rejects.toHaveProperty('name', 'TimeoutError')
    expect(Date.now() - started).toBeLessThan(3000)
    stalled.resolve()
  })
})

describe('handle', () => {
  it('refuses inbound streams beyond maxInboundStreams per connection', async () => {
    const protocol = '/peergrid-test/one-at-a-time/1.0.0'
    extraProtocols.push(protocol)
    const release = Promise.withResolvers<void>()
    const entered = Promise.withResolvers<void>()
    await handle(server, protocol, async (frames) => {
      await frames.read()
      entered.resolve()
      await release.promise
      await frames.write(utf8.encode('done'))
    }, { maxInboundStreams: 1 })

    const first = await openStream(client, server.peerId, protocol)
    await first.write(utf8.encode('one'))
    await entered.promise
    const second = await openStream(client, server.peerId, protocol)
    await second.write(utf8.encode('two')).catch(() => {})

    await expect(second.read()).rejects.toHaveProperty('name', 'StreamResetError')
    release.resolve()
    expect(text(await first.read())).toBe('done')
    await first.close()
  })
})
