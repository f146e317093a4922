/**
 * Checks of the multiaddrs a command was given, before anything starts: a malformed address
 * is bad usage (exit 2, nothing started), and a listen address whose port another process
 * holds is named in one line (exit 1) instead of in libp2p's multi-line error. The port check
 * binds and releases each explicit port once; libp2p binds it for real a moment later.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './errors.ts'
import { describeErrno } from './startup-errors.ts'

const EXAMPLE = {
  listen: '/ip4/127.0.0.1/tcp/4001',
  bootstrap: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…',
  coordinator: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…'
} as const

export type AddressRole = keyof typeof EXAMPLE

/** Parses `value` or throws a one-line usage error naming the option and the parser's reason. */
export function parseAddress (role: AddressRole, value: string): Multiaddr {
  let addr: Multiaddr
  try {
    addr = multiaddr(value)
  } catch (err) {
    throw new CliError(`${role} address "${value}" is not a multiaddr (${firstLine(err)}); expected something like ${EXAMPLE[role]}`, EXIT_USAGE)
  }
  if (role === 'bootstrap' && !addr.getComponents().some((c) => c.name === 'p2p')) {
    throw new CliError(`bootstrap address ${value} has no /p2p/<peer id>: append the id of the peer it belongs to (the coordinator prints its full addresses)`, EXIT_USAGE)
  }
  return addr
}

export function checkAddresses (role: AddressRole, values: readonly string[] | undefined): void {
  for (const value of values ?? []) parseAddress(role, value)
}

interface Bindable { transport: 'tcp' | 'udp', host: string, port: number }

/** The socket a listen address needs, when it names an explicit port on an IP address. */
export function bindableOf (addr: Multiaddr): Bindable | undefined {
  const components = addr.getComponents()
  const ip = components.find((c) => c.name === 'ip4' || c.name === 'ip6')
  const socket = components.find((c) => c.name === 'tcp' || c.name === 'udp')
  if (ip?.value == null || socket?.value == null) return undefined
  const port = Number(socket.value)
  if (!Number.isInteger(port) || port === 0) return undefined
  return { transport: socket.name as 'tcp' | 'udp', host: ip.value, port }
}

async function tryBind ({ transport, host, port }: Bindable): Promise<NodeJS.ErrnoException | undefined> {
  return await new Promise((resolve) => {
    if (transport === 'tcp') {
      const server = createServer()
      server.once('error', (err) => { resolve(err) })
      server.listen({ host, port, exclusive: true }, () => server.close(() => { resolve(undefined) }))
    } else {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      socket.once('error', (err) => { socket.close(); resolve(err) })
      socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => { resolve(undefined) }))
    }
  })
}

/**
 * Throws a one-line error for the first listen address whose port cannot be bound. Catching
 * it here also keeps webrtc-direct's native library from logging its own lines about it.
 */
export async function checkListenable (values: readonly string[] | undefined): Promise<void> {
  for (const value of values ?? []) {
    const bindable = bindableOf(parseAddress('listen', value))
    if (bindable == null) continue
    const err = await tryBind(bindable)
    if (err != null) throw new CliError(`cannot listen on ${value}: ${describeListenErrno(err)}`, EXIT_FAILURE)
  }
}

export function describeListenErrno (err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE': return 'the port is in use by another process; stop it or choose another port'
    case 'EACCES': return 'permission denied (ports below 1024 need privileges); choose a port from 1024 up'
    case 'EADDRNOTAVAIL': return 'this machine has no such IP address; use one of its own or 0.0.0.0'
    default: return describeErrno(err)
  }
}

function firstLine (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!
}
