import { describe, expect, it } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DEFAULT_THREADS } from '../../worker/constants.ts'
import { InvalidSettingError, resolveWorkerSettings, type SettingSources, type WorkerSettings } from '../../worker/settings.ts'

const DATA = '/data/w'
const FILE = `${DATA}/worker.json`

const newPeer = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const [A, B, C] = await Promise.all([newPeer(), newPeer(), newPeer()])

function resolve (input: { flags?: Record<string, unknown>, env?: Record<string, string>, files?: Record<string, unknown> } = {}): WorkerSettings {
  const files = input.files ?? {}
  const sources: SettingSources = {
    flags: input.flags ?? {},
    env: input.env ?? {},
    defaultDataDir: DATA,
    readFile: (path) => {
      const content = files[path]
      return content === undefined ? undefined : typeof content === 'string' ? content : JSON.stringify(content)
    }
  }
  return resolveWorkerSettings(sources)
}

describe('resolveWorkerSettings: precedence', () => {
  it.each<{ name: string, flags: Record<string, unknown>, env: Record<string, string>, file: Record<string, unknown> | undefined, threads: number }>([
    { name: 'defaults', flags: {}, env: {}, file: undefined, threads: DEFAULT_THREADS },
    { name: 'the file', flags: {}, env: {}, file: { threads: 5 }, threads: 5 },
    { name: 'the environment over the file', flags: {}, env: { PEERGRID_WORKER_THREADS: '4' }, file: { threads: 5 }, threads: 4 },
    { name: 'a flag over both', flags: { threads: '3' }, env: { PEERGRID_WORKER_THREADS: '4' }, file: { threads: 5 }, threads: 3 },
    { name: 'an empty variable counts as unset', flags: {}, env: { PEERGRID_WORKER_THREADS: '' }, file: { threads: 5 }, threads: 5 }
  ])('threads from $name', ({ flags, env, file, threads }) => {
    expect(resolve({ flags, env, files: file === undefined ? {} : { [FILE]: file } }).threads).toBe(threads)
  })

  it('reads every setting from the file in its own units', () => {
    const s = resolve({
      files: {
        [FILE]: {
          threads: 2, cpuPercent: 60, idleOnly: true, idleThreshold: 40, idleResumeAfter: 9, schedule: '22:00-07:00', maxMemory: 256,
          nice: 10, prefetch: 6, weights: { [A]: 3 }, bootstrap: ['/ip4/1.2.3.4/tcp/1'], transports: ['tcp'], listen: ['/ip4/0.0.0.0/tcp/0']
        }
      }
    })
    expect(s).toEqual({
      dataDir: DATA,
      configFile: FILE,
      threads: 2,
      cpuPercent: 60,
      idleOnly: true,
      idleThresholdPercent: 40,
      idleResumeAfterMs: 9000,
      schedule: [{ start: 22 * 60, end: 7 * 60 }],
      maxMemoryMb: 256,
      nice: 10,
      prefetch: 6,
      weights: new Map([[A, 3]]),
      bootstrap: ['/ip4/1.2.3.4/tcp/1'],
      transports: ['tcp'],
      listen: ['/ip4/0.0.0.0/tcp/0']
    })
  })

  it('reads lists from the environment as comma-separated values', () => {
    const s = resolve({ env: { PEERGRID_WORKER_BOOTSTRAP: '/ip4/1.1.1.1/tcp/1, /ip4/2.2.2.2/tcp/2', PEERGRID_WORKER_TRANSPORTS: 'tcp,ws', PEERGRID_WORKER_IDLE_ONLY: 'yes' } })
    expect(s.bootstrap).toEqual(['/ip4/1.1.1.1/tcp/1', '/ip4/2.2.2.2/tcp/2'])
    expect(s.transports).toEqual(['tcp', 'ws'])
    expect(s.idleOnly).toBe(true)
  })

  it('merges weights per coordinator, each from its highest source', () => {
    const s = resolve({ flags: { weight: [`${C}=0`] }, env: { PEERGRID_WORKER_WEIGHTS: `${B}=5` }, files: { [FILE]: { weights: { [A]: 3, [B]: 2 } } } })
    expect(s.weights).toEqual(new Map([[A, 3], [B, 5], [C, 0]]))
  })

  it('lets --no-idle-only override the file', () => {
    expect(resolve({ flags: { idleOnly: false }, files: { [FILE]: { idleOnly: true } } }).idleOnly).toBe(false)
  })

  it('finds the data directory and the config file through the environment', () => {
    const s = resolve({ env: { PEERGRID_WORKER_DATA_DIR: '/other', PEERGRID_WORKER_CONFIG: '/etc/pg.json' }, files: { '/etc/pg.json': { cpuPercent: 30 }, [FILE]: { cpuPercent: 70 } } })
    expect([s.dataDir, s.configFile, s.cpuPercent]).toEqual(['/other', '/etc/pg.json', 30])
  })

  it('looks for the config file in the data directory given by flag', () => {
    const s = resolve({ flags: { dataDir: '/mine' }, files: { '/mine/worker.json': { cpuPercent: 20 } } })
    expect([s.configFile, s.cpuPercent]).toEqual(['/mine/worker.json', 20])
  })

  it('works without a config file unless one was named', () => {
    expect(resolve().configFile).toBeUndefined()
    expect(() => resolve({ flags: { config: '/nope.json' } })).toThrow('config file /nope.json does not exist; create it or pass another --config')
  })
})

describe('resolveWorkerSettings: errors name the setting and where it came from', () => {
  it.each([
    [{ flags: { cpuPercent: '150' } }, 'invalid setting --cpu-percent: must be an integer from 1 to 100 (got "150")'],
    [{ env: { PEERGRID_WORKER_CPU_PERCENT: 'half' } }, 'invalid setting PEERGRID_WORKER_CPU_PERCENT (environment): must be an integer from 1 to 100 (got "half")'],
    [{ files: { [FILE]: { cpuPercent: 0 } } }, `invalid setting "cpuPercent" in ${FILE}: must be an integer from 1 to 100 (got 0)`],
    // A bad value in the file is reported even when a flag overrides it: the file is still wrong.
    [{ flags: { threads: '2' }, files: { [FILE]: { threads: 2.5 } } }, `invalid setting "threads" in ${FILE}: must be an integer from 1 to 256 (got 2.5)`],
    [{ flags: { idleThreshold: '-1' } }, 'invalid setting --idle-threshold: must be an integer from 1 to 100 (got "-1")'],
    [{ env: { PEERGRID_WORKER_IDLE_ONLY: 'sometimes' } }, 'invalid setting PEERGRID_WORKER_IDLE_ONLY (environment): must be true or false (got "sometimes")'],
    [{ flags: { schedule: '22:00-25:00' } }, 'invalid setting --schedule: "22:00-25:00" has a time that does not exist; use 00:00 to 23:59 (24:00 may end a window) (got "22:00-25:00")'],
    [{ flags: { nice: '20' } }, 'invalid setting --nice: must be an integer from 0 to 19 (got "20")'],
    [{ flags: { transports: 'tcp,carrier-pigeon' } }, 'invalid setting --transports: unknown transport carrier-pigeon; choose from tcp, ws, webrtc-direct (got "tcp,carrier-pigeon")'],
    [{ flags: { weight: ['nobody=3'] } }, 'invalid setting --weight: "nobody" is not a peer id (a coordinator\'s id such as 12D3KooW…) (got ["nobody=3"])'],
    [{ flags: { weight: [`${A}`] } }, `invalid setting --weight: "${A}" is not PEERID=WEIGHT (got ["${A}"])`],
    [{ files: { [FILE]: { weights: { [A]: 1001 } } } }, `invalid setting "weights" in ${FILE}: weight of ${A} must be an integer from 0 to 1000 (got {"${A}":1001})`],
    [{ files: { [FILE]: { cpuPercnt: 50 } } }, `unknown setting "cpuPercnt" in ${FILE}; known settings: threads, cpuPercent, idleOnly, idleThreshold, idleResumeAfter, schedule, maxMemory, nice, prefetch, weights, bootstrap, transports, listen`],
    [{ files: { [FILE]: '{"threads": 2,' } }, /^config file \/data\/w\/worker.json is not valid JSON \(.+\); fix or delete it$/],
    [{ files: { [FILE]: '[1, 2]' } }, `config file ${FILE} must hold a JSON object such as {"threads": 2, "cpuPercent": 50}`],
    [{ env: { PEERGRID_WORKER_CPU: '50' } }, /^unknown environment variable PEERGRID_WORKER_CPU; known: .*PEERGRID_WORKER_CPU_PERCENT/]
  ])('%j', (input, message) => {
    expect(() => resolve(input)).toThrow(InvalidSettingError)
    expect(() => resolve(input)).toThrow(message)
  })
})
