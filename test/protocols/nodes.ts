/** Helpers for tests that run real PeerGrid nodes on 127.0.0.1. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId, PrivateKey, TypedEventTarget } from '@libp2p/interface'
import { createPeerGridNode, type PeerGridNode, type PeerGridNodeInit } from '../../protocols/node.ts'

/** Only loopback TCP unless a test asks for more: fast to start, nothing leaves the machine. */
export const LOOPBACK_TCP = ['/ip4/127.0.0.1/tcp/0']

/** Starts nodes and stops every one of them in {@link stopAll}, whatever the test did. */
export class TestNodes {
  readonly #started: Array<{ stop: () => void | Promise<void> }> = []

  async start<P extends boolean> (init: Omit<PeerGridNodeInit<P>, 'privateKey'> & { privateKey?: PrivateKey }): Promise<PeerGridNode<P>> {
    const node = await createPeerGridNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: LOOPBACK_TCP,
      transports: ['tcp'],
      ...init
    })
    this.#started.push(node)
    return node
  }

  async stopAll (): Promise<void> {
    await Promise.all(this.#started.splice(0).map(async (node) => { await node.stop() }))
  }
}

/** The first `type` event that satisfies `accept`; rejects after `timeoutMs` naming what it waited for. */
export async function nextEvent<Events extends Record<string, any>, K extends keyof Events & string> (
  target: TypedEventTarget<Events>, type: K, accept: (event: Events[K]) => boolean = () => true, timeoutMs = 8000
): Promise<Events[K]> {
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener)
      reject(new Error(`no matching '${type}' event within ${timeoutMs} ms`))
    }, timeoutMs)
    const listener = (event: Events[K]): void => {
      if (accept(event)) {
        clearTimeout(timer)
        target.removeEventListener(type, listener)
        resolve(event)
      }
    }
    target.addEventListener(type, listener)
  })
}

/** Resolves once `node` has a connection to `peer`, now or later. */
export async function connected (node: PeerGridNode<boolean>, peer: PeerId, timeoutMs?: number): Promise<void> {
  if (node.getConnections(peer).length === 0) {
    await nextEvent(node, 'peer:connect', (event) => event.detail.equals(peer), timeoutMs)
  }
}
