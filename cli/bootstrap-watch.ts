/**
 * A worker may legitimately start before its coordinator, so an unreachable bootstrap peer is
 * not fatal: the node keeps redialling (protocols/bootstrap-redial.ts). The user still deserves
 * to know, so after the first attempt fails this says so in one line on stderr, and says again
 * (on stdout) when a bootstrap peer is finally reached.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdOfAddress } from '../protocols/bootstrap-redial.ts'
import { emit } from './lifecycle.ts'
import { firstLine } from './startup-errors.ts'

export type BootstrapHost = Pick<Libp2p, 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>

export interface BootstrapReport {
  /** One line for the user: no bootstrap peer answered the first attempt. */
  unreachable: (line: string, first: { address: string, reason: string }) => void
  /** A bootstrap peer answered after all. */
  reached: (peerId: string) => void
}

const FIRST_ATTEMPT_MS = 10_000

/** Why a dial failed, in words: the common network errors by code, else the error's first line. */
export function dialFailureReason (err: unknown): string {
  const text = `${(err as { code?: string }).code ?? ''} ${firstLine(err)} ${(err as { cause?: unknown }).cause != null ? firstLine((err as { cause: unknown }).cause) : ''}`
  if (/ECONNREFUSED/.test(text)) return 'connection refused: nothing listens there (yet)'
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'the host or its network is unreachable'
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the name does not resolve'
  if (/Timeout|timed out|aborted|ETIMEDOUT/i.test(text)) return `no answer within ${FIRST_ATTEMPT_MS / 1000} s`
  return firstLine(err)
}

/**
 * Dials each bootstrap address once; when none answers, reports it and waits for any of them
 * to connect later. Returns a function that stops watching (call it when shutting down).
 */
export function watchBootstrap (node: BootstrapHost, addresses: readonly string[], report: BootstrapReport): () => void {
  let stopped = false
  const wanted = new Set(addresses.map(peerIdOfAddress).filter((id): id is string => id != null))
  const onConnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString()
    if (!wanted.has(peer)) return
    node.removeEventListener('peer:connect', onConnect)
    if (!stopped) report.reached(peer)
  }
  const connected = (): boolean => [...wanted].some((id) => node.getConnections().some((c) => c.remotePeer.toString() === id))
  if (addresses.length === 0) return () => {}
  void (async () => {
    const attempts = await Promise.allSettled(addresses.map(async (address) => await node.dial(multiaddr(address), { signal: AbortSignal.timeout(FIRST_ATTEMPT_MS) })))
    if (stopped || attempts.some((a) => a.status === 'fulfilled') || connected()) return
    const failure = attempts[0] as PromiseRejectedResult
    const first = { address: addresses[0]!, reason: dialFailureReason(failure.reason) }
    const which = addresses.length === 1 ? `bootstrap peer ${first.address}` : `any of the ${addresses.length} bootstrap peers (first: ${first.address})`
    node.addEventListener('peer:connect', onConnect)
    report.unreachable(`cannot reach ${which}: ${first.reason}; still trying in the background (a worker may start before its coordinator)`, first)
  })()
  return () => {
    stopped = true
    node.removeEventListener('peer:connect', onConnect)
  }
}

/** Reports on stderr (one line, both modes) and stdout (a JSON event, or a line of text). */
export function bootstrapReporter (json: boolean): BootstrapReport {
  return {
    unreachable: (line, first) => {
      process.stderr.write(`peergrid: ${line}\n`)
      if (json) emit(true, { event: 'bootstrap', state: 'unreachable', ...first }, '')
    },
    reached: (peerId) => { emit(json, { event: 'bootstrap', state: 'reached', peerId }, `reached bootstrap peer ${peerId}`) }
  }
}
