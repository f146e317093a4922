import { describe, expect, it } from '@jest/globals'
import type { CoordinatorLink } from '../../worker/coordinator-link.ts'
import { ReportQueue } from '../../worker/report-queue.ts'
import type { UnitResult, WorkRequest, WorkResponse } from '../../protocols/work.ts'

/** A link that answers reports from a script and records what it was sent. */
function scriptedLink (replies: Array<WorkResponse | Error>): { link: CoordinatorLink, sent: string[][] } {
  const sent: string[][] = []
  const link = {
    id: 'coordinator',
    failures: 0,
    retryAt: 0,
    async request (request: WorkRequest): Promise<WorkResponse> {
      if (request.type !== 'report') throw new Error('only reports expected')
      sent.push(request.results.map((r) => r.leaseId))
      const reply = replies.shift() ?? new Error('no more replies')
      if (reply instanceof Error) throw reply
      return reply
    }
  }
  return { link: link as unknown as CoordinatorLink, sent }
}

const result = (leaseId: string): UnitResult => ({ leaseId, status: 'OK', output: new Uint8Array([1]), error: '', cpuMs: 1 })
const acked = (ids: string[]): WorkResponse => ({ status: 'OK', message: '', body: { type: 'reportAck', acks: ids.map((leaseId) => ({ leaseId, status: 'OK' })) } })

describe('ReportQueue', () => {
  it.each<[string, WorkResponse | Error]>([
    ['BUSY (throttled)', { status: 'BUSY', message: 'too many work requests' }],
    ['INTERNAL (the coordinator failed)', { status: 'INTERNAL', message: 'failed' }],
    ['a lost stream', new Error('stream reset')]
  ])('keeps results the coordinator did not take after %s, and delivers them on the next attempt', async (_name, first) => {
    const { link, sent } = scriptedLink([first, acked(['a', 'b'])])
    const queue = new ReportQueue(link)
    queue.add(result('a'))
    queue.add(result('b'))
    await queue.drain(AbortSignal.timeout(5000))
    expect(sent).toEqual([['a', 'b'], ['a', 'b']])
    expect(queue.delivered).toBe(2)
    expect(queue.size).toBe(0)
  })

  it('drops a batch the coordinator refused for good (MALFORMED will not get better by resending)', async () => {
    const { link, sent } = scriptedLink([{ status: 'MALFORMED', message: 'no' }])
    const queue = new ReportQueue(link)
    queue.add(result('a'))
    await queue.drain(AbortSignal.timeout(5000))
    expect(sent).toEqual([['a']])
    expect(queue.size).toBe(0)
  })
})
