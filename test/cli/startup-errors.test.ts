/**
 * Starting a role where it cannot run: an unusable or full data directory, a port another
 * process holds, malformed multiaddrs, a bootstrap peer that is not up yet. The real CLI in
 * a child process must say so in one line on stderr (no stack) with its documented exit code
 * (1: this machine's problem, 2: bad usage), or, for the bootstrap peer, warn once and wait.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CliError } from '../../cli/errors.ts'
import { describeErrno, parseListenFailure, startupError } from '../../cli/startup-errors.ts'
import { loadOrCreateIdentity } from '../../protocols/identity.ts'
import { NodeConfigError } from '../../protocols/node.ts'
import { freePort } from '../helpers/ports.ts'
import { CLI, PeergridProcess, runCli } from '../helpers/processes.ts'

interface Outcome { code: number | null, stdout: string, stderr: string }
interface Ports { tcpPort: number, udpPort: number }

const NOBODY = 65_534
const PEER = '12D3KooWQnsdHFZceY2jQko69rrF9K27RgmDQwM1Mkb6tn1hSoML'

/** Runs the CLI through `wrapper` (a command that ends by exec-ing its arguments), or as `uid`. */
async function runWrapped (args: string[], options: { wrapper?: string[], uid?: number }, env: Record<string, string>): Promise<Outcome> {
  const command = [...(options.wrapper ?? []), process.execPath, '--disable-warning=ExperimentalWarning', CLI, ...args]
  return await new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid != null ? { uid: options.uid, gid: options.uid } : {})
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`peergrid ${args.join(' ')} did not exit; stderr: ${stderr}`)) }, 30_000)
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

function expectOneLine (outcome: Outcome, code: number, ...fragments: Array<string | RegExp>): void {
  const lines = outcome.stderr.split('\n').filter((line) => line !== '')
  expect({ code: outcome.code, lines }).toEqual({ code, lines: [expect.stringMatching(/^peergrid: /)] })
  for (const fragment of fragments) expect(lines[0]).toMatch(fragment)
  expect(outcome.stderr).not.toMatch(/^\s+at /m)
}

/** A shell wrapper that runs the command on a tmpfs filled to the last byte, if this system lets us mount one. */
function fullDiskWrapper (mountPoint: string): string[] {
  const probe = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${mountPoint}'`])
  if (probe.status === 0) {
    return ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0" && dd if=/dev/zero of="$0/fill" bs=4k 2>/dev/null; exec "$@"', mountPoint]
  }
  // Without namespaces, a zero file-size limit refuses every write the way a full disk does.
  return ['sh', '-c', 'ulimit -f 0; exec "$@"', 'sh']
}

describe('startup errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-startup-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  // Held for the whole file; created at once rather than in beforeAll, which concurrent tests do not wait for.
  const busy = (async () => {
    const tcp = createServer()
    const udp = createSocket('udp4')
    const tcpPort = await new Promise<number>((resolve) => tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as { port: number }).port)))
    const udpPort = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)))
    return { tcp, udp, tcpPort, udpPort }
  })()
  afterAll(async () => {
    const { tcp, udp } = await busy
    await new Promise((resolve) => tcp.close(resolve))
    await new Promise<void>((resolve) => udp.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  const coordinator = (dataDir: string, ...more: string[]): string[] => ['coordinator', '--data-dir', join(dir, dataDir), ...more]
  const bootstrap = `/ip4/127.0.0.1/tcp/9/p2p/${PEER}`

  describe('a data directory that cannot be used', () => {
    it.concurrent('is a file: exit 1, naming it', async () => {
      writeFileSync(join(dir, 'a-file'), 'not a directory')
      expectOneLine(await runCli(coordinator('a-file'), env), 1, join(dir, 'a-file'), 'is a file, not a directory')
    })

    it.concurrent('is not readable or writable by this user: exit 1, permission denied', async () => {
      const locked = join(dir, 'locked')
      mkdirSync(locked, { mode: 0o700 })
      // Root reads anything, so as root the CLI runs as nobody, for whom the directory is closed.
      const asRoot = process.getuid?.() === 0
      if (asRoot) chmodSync(dir, 0o755)
      else chmodSync(locked, 0o000)
      try {
        const outcome = await runWrapped(coordinator('locked'), asRoot ? { uid: NOBODY } : {}, env)
        expectOneLine(outcome, 1, locked, 'permission denied (EACCES)', 'pass another --data-dir')
      } finally {
        chmodSync(locked, 0o700)
        chmodSync(dir, 0o700)
      }
    })

    it.concurrent.each([
      ['coordinator', (data: string) => ['coordinator', '--data-dir', data]],
      ['worker', (data: string) => ['worker', '--data-dir', data, '--bootstrap', bootstrap]]
    ])('is on a full disk: the %s exits 1 saying so', async (role, args) => {
      const mountPoint = join(dir, `disk-${role}`)
      mkdirSync(mountPoint)
      const outcome = await runWrapped(args(join(mountPoint, 'data')), { wrapper: fullDiskWrapper(mountPoint) }, env)
      expectOneLine(outcome, 1, join(mountPoint, 'data'), /no space left on the device \(ENOSPC\)|file size limit is reached \(EFBIG\)/)
    })
  })

  describe('a listen port another process holds: exit 1, naming the address', () => {
    it.concurrent.each([
      ['coordinator, TCP', (p: Ports) => coordinator('busy-tcp', '--listen', `/ip4/127.0.0.1/tcp/${p.tcpPort}`)],
      ['coordinator, WebSockets', (p: Ports) => coordinator('busy-ws', '--listen', `/ip4/127.0.0.1/tcp/${p.tcpPort}/ws`)],
      ['coordinator, webrtc-direct (UDP)', (p: Ports) => coordinator('busy-udp', '--listen', `/ip4/127.0.0.1/udp/${p.udpPort}/webrtc-direct`)],
      ['worker, TCP', (p: Ports) => ['worker', '--data-dir', join(dir, 'busy-worker'), '--listen', `/ip4/127.0.0.1/tcp/${p.tcpPort}`, '--bootstrap', bootstrap]]
    ])('%s', async (_, args) => {
      const argv = args(await busy)
      const address = argv[argv.indexOf('--listen') + 1]!
      expectOneLine(await runCli(argv, env), 1, `cannot listen on ${address}`, 'in use by another process')
    })
  })

  describe('a malformed multiaddr: exit 2 (bad usage), naming the address', () => {
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ kind: 'primes', params: { from: 0, to: 1000 }, units: 1 }))
    it.concurrent.each([
      ['coordinator --listen', coordinator('bad', '--listen', '/ip4/127.0.0.1/tcp/notaport'), '/ip4/127.0.0.1/tcp/notaport'],
      ['coordinator --bootstrap', coordinator('bad', '--bootstrap', 'garbage'), 'garbage'],
      ['worker --bootstrap', ['worker', '--data-dir', join(dir, 'bad-worker'), '--bootstrap', '/ip4/256.0.0.1/tcp/4001/p2p/x'], '/ip4/256.0.0.1/tcp/4001/p2p/x'],
      ['worker --bootstrap without /p2p', ['worker', '--data-dir', join(dir, 'bad-worker'), '--bootstrap', '/ip4/127.0.0.1/tcp/4001'], 'has no /p2p/<peer id>'],
      ['worker --listen', ['worker', '--data-dir', join(dir, 'bad-worker'), '--bootstrap', bootstrap, '--listen', 'tcp/4001'], '"tcp/4001"'],
      ['submit --coordinator', ['submit', join(dir, 'job.json'), '--coordinator', '/ip4/1.2.3/tcp/4001'], '/ip4/1.2.3/tcp/4001'],
      ['status --coordinator', ['status', '--coordinator', '/p2p'], '"/p2p"']
    ])('%s', async (_, args, named) => {
      expectOneLine(await runCli(args, env), 2, named)
    })
  })

  it('an unreachable bootstrap peer: the worker says so once, keeps trying, and reports when it is reached', async () => {
    const coordinatorDir = join(dir, 'late-coordinator')
    const peerId = peerIdFromPrivateKey(await loadOrCreateIdentity(coordinatorDir)).toString()
    const port = await freePort()
    const address = `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`
    const worker = new PeergridProcess(['worker', '--json', '--data-dir', join(dir, 'early-worker'), '--threads', '1', '--nice', '0', '--bootstrap', address], env)
    let late: PeergridProcess | undefined
    try {
      const warned = await worker.waitFor((e) => e.event === 'bootstrap', 30_000, 'the unreachable-bootstrap report')
      expect(warned).toMatchObject({ state: 'unreachable', address, reason: expect.stringContaining('connection refused') })
      late = new PeergridProcess(['coordinator', '--json', '--data-dir', coordinatorDir, '--listen', `/ip4/127.0.0.1/tcp/${port}`], env)
      await late.ready()
      expect(await worker.waitFor((e) => e.event === 'bootstrap' && e.state === 'reached', 60_000, 'the bootstrap peer reached')).toMatchObject({ peerId })
      expect(worker.child.exitCode).toBeNull()
      const reports = worker.stderr.split('\n').filter((line) => line.includes('bootstrap'))
      expect(reports).toEqual([`peergrid: cannot reach bootstrap peer ${address}: connection refused: nothing listens there (yet); still trying in the background (a worker may start before its coordinator)`])
      expect(worker.stderr).not.toMatch(/^\s+at /m)
    } finally {
      await Promise.all([worker.stop(), late?.stop()])
    }
  }, 120_000)
})

/** libp2p 3's error when a listener fails, stack traces included, as it reached the CLI. */
const LIBP2P_LISTEN_ERROR = `Some configured addresses failed to be listened on, you may need to remove one or more listen addresses from your configuration or set \`transportManager.faultTolerance\` to NO_FATAL:

  /ip4/127.0.0.1/tcp/45677: Error: listen EADDRINUSE: address already in use 127.0.0.1:45677
      at Server.setupListenHandle [as _listen2] (node:net:2328:16)
      at listenInCluster (node:net:2437:12)
`

describe('startup error messages', () => {
  it.each<[string, string, { address: string, reason: string } | undefined]>([
    ['a port in use', LIBP2P_LISTEN_ERROR, { address: '/ip4/127.0.0.1/tcp/45677', reason: 'the address is in use by another process (EADDRINUSE)' }],
    ['an address no transport serves', LIBP2P_LISTEN_ERROR.replace(/\/tcp\/45677: .*/, '/udp/4001: UnsupportedListenAddressError: No transport was configured to listen on this address'),
      { address: '/ip4/127.0.0.1/udp/4001', reason: expect.stringContaining('no transport listens on such an address') as unknown as string }],
    ['some other message', 'listen EADDRINUSE 127.0.0.1:4001', undefined]
  ])('parseListenFailure: %s', (_, message, expected) => {
    expect(parseListenFailure(message)).toEqual(expected)
  })

  it.each<[string, unknown, string]>([
    ['a known errno', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'no space left on the device (ENOSPC)'],
    ['an unknown errno', Object.assign(new Error('EWEIRD: something\nmore'), { code: 'EWEIRD' }), 'EWEIRD: something'],
    ['no errno at all', 'plain text', 'plain text']
  ])('describeErrno: %s', (_, err, expected) => {
    expect(describeErrno(err)).toBe(expected)
  })

  it.each<[string, unknown, number, string]>([
    ['libp2p\'s listen error', new Error(LIBP2P_LISTEN_ERROR), 1, 'cannot start the coordinator: cannot listen on /ip4/127.0.0.1/tcp/45677: the address is in use by another process (EADDRINUSE)'],
    ['a configuration that cannot work', new NodeConfigError('listen address /ip4/127.0.0.1/tcp/1/ws needs the ws transport'), 2, 'cannot start the coordinator: listen address /ip4/127.0.0.1/tcp/1/ws needs the ws transport'],
    ['a socket error', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8080 }), 1, 'cannot start the coordinator: 127.0.0.1:8080: the address is in use by another process (EADDRINUSE)'],
    ['a file error', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/data/identity.key' }), 1, 'cannot start the coordinator: /data/identity.key: permission denied (EACCES)'],
    ['a multi-line message', new Error('first\nsecond\n    at somewhere'), 1, 'cannot start the coordinator: first']
  ])('startupError: %s', (_, err, code, message) => {
    const error = startupError('coordinator', err, '/nonexistent-data-dir')
    expect(error).toBeInstanceOf(CliError)
    expect({ code: error.exitCode, message: error.message }).toEqual({ code, message })
  })
})
