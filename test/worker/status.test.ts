import { describe, expect, it } from '@jest/globals'
import { CoordinatorBook } from '../../worker/coordinator-book.ts'
import { formatDuration, formatStatus, type WorkerStatus } from '../../worker/status.ts'

const NOW = Date.UTC(2025, 0, 15, 12)

const status = (overrides: Partial<WorkerStatus> = {}): WorkerStatus => ({
  peerId: '12D3KooWworker',
  pid: 4242,
  dataDir: '/home/me/.peergrid/worker',
  startedMs: NOW - 3_725_000,
  state: 'running',
  pausedFor: [],
  resumesAtMs: null,
  throttled: false,
  budget: { threads: 2, cpuPercent: 50, idleOnly: true, idleThresholdPercent: 25, idleResumeAfterMs: 5000, schedule: '22:00-07:00', nice: 19, maxMemoryMb: 512 },
  load: { workerPercent: 24.6, otherPercent: 3.2 },
  units: { running: 1, queued: 3, done: 1234, failed: 2, handedBack: 5 },
  cpuMs: 3_733_000,
  credit: 81.5,
  memory: { rssBytes: 205 * 2 ** 20, mainHeap: { usedBytes: 40.4 * 2 ** 20, committedBytes: 61 * 2 ** 20 }, threadHeaps: { usedBytes: 12 * 2 ** 20, committedBytes: 20.6 * 2 ** 20, threads: 2 } },
  coordinators: [
    { peerId: '12D3KooWcoordA', weight: 3, connected: true, unitsRunning: 1, unitsQueued: 2, unitsDone: 1000, unitsFailed: 1, cpuMs: 2_710_000, credit: null, reputation: null },
    { peerId: '12D3KooWcoordB', weight: 1, connected: false, unitsRunning: 0, unitsQueued: 1, unitsDone: 234, unitsFailed: 1, cpuMs: 59_000, credit: 81.5, reputation: { score: 0.93, state: 'trusted' } }
  ],
  ...overrides
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m 00s'],
    [3_599_000, '59m 59s'],
    [3_725_000, '1h 02m 05s'],
    [90_061_000, '1d 01h 01m']
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatStatus', () => {
  it('shows state, budget, load, units, CPU given and every coordinator with its standing', () => {
    expect(formatStatus(status(), NOW).split('\n')).toEqual([
      'worker 12D3KooWworker (pid 4242, up 1h 02m 05s)',
      'data:       /home/me/.peergrid/worker',
      'state:      running',
      'budget:     2 threads at nice 19, 50% CPU, idle-only (pause above 25% other load, resume after 5s idle), schedule 22:00-07:00, 512 MiB per thread',
      'load:       this worker 25% of the machine, other programs 3%',
      'units:      1 running, 3 queued, 1234 done (2 failed), 5 handed back',
      'CPU given:  1h 02m 13s',
      'credit:     81.50 (granted for accepted results by 1 coordinator)',
      'memory:     205 MiB resident; JS heaps in use: 40 MiB of 61 MiB (main), 12 MiB of 21 MiB (2 unit threads)',
      'coordinators: 2',
      '  12D3KooWcoordA  weight 3, connected',
      '    1000 done (1 failed), 1 running, 2 queued, CPU 45m 10s; credit not reported, reputation not reported',
      '  12D3KooWcoordB  weight 1, not connected',
      '    234 done (1 failed), 0 running, 1 queued, CPU 59s; credit 81.50, reputation 0.93 (trusted)'
    ])
  })

  it.each([
    [{ state: 'paused', pausedFor: ['cpu-busy'], load: { workerPercent: 0.4, otherPercent: 87.2 } }, 'paused: the machine is busy (other programs use 87% of it)'],
    [{ state: 'paused', pausedFor: ['schedule'], resumesAtMs: new Date(2025, 0, 15, 22, 0).getTime() }, 'paused: outside the schedule 22:00-07:00 (resumes at 22:00)'],
    [{ state: 'paused', pausedFor: ['cpu-busy', 'schedule'], resumesAtMs: null, load: { workerPercent: null, otherPercent: null } }, 'paused: the machine is busy with other programs; outside the schedule 22:00-07:00'],
    [{ throttled: true }, 'running (waiting for the CPU budget)'],
    [{ state: 'stopping', pausedFor: ['stopping'] }, 'stopping']
  ] as Array<[Partial<WorkerStatus>, string]>)('state line for %j', (overrides, text) => {
    expect(formatStatus(status(overrides), NOW).split('\n')[2]).toBe(`state:      ${text}`)
  })

  it('says when no coordinator has been heard', () => {
    const text = formatStatus(status({ coordinators: [], credit: 0 }), NOW)
    expect(text).toMatch(/coordinators: none heard yet$/)
    expect(text).toContain('credit:     none reported yet')
  })

  it('shows the main heap alone until the unit threads have been measured', () => {
    const text = formatStatus(status({ memory: { ...status().memory, threadHeaps: null } }), NOW)
    expect(text).toContain('memory:     205 MiB resident; JS heaps in use: 40 MiB of 61 MiB (main)\n')
  })
})

describe('CoordinatorBook', () => {
  const live = (): { weight: number, connected: boolean, unitsQueued: number } => ({ weight: 1, connected: true, unitsQueued: 0 })

  it('reports standing as not reported until a coordinator says, then keeps what it said', () => {
    const book = new CoordinatorBook()
    book.get('A').done = 3
    expect(book.report(live)[0]).toMatchObject({ peerId: 'A', unitsDone: 3, credit: null, reputation: null })
    book.stand('A', { score: 0.5, state: 'probation' })
    book.stand('A', { credit: 12 })
    expect(book.report(live)[0]).toMatchObject({ credit: 12, reputation: { score: 0.5, state: 'probation' } })
    book.stand('A', { state: 'trusted' })
    expect(book.report(live)[0]).toMatchObject({ credit: 12, reputation: { score: 0.5, state: 'trusted' } })
  })
})
