import { describe, expect, it } from '@jest/globals'
import { HAND_BACK_MARGIN_MS, shouldHandBack, UnitQueue, type Queued } from '../../worker/unit-queue.ts'

interface Item extends Queued { readonly name: string }
const item = (name: string, coordinator: string, receivedAt = 0, timeoutMs = 60_000): Item => ({ name, coordinator, receivedAt, timeoutMs })

describe('UnitQueue', () => {
  it('keeps one FIFO per coordinator and counts them', () => {
    const q = new UnitQueue<Item>()
    for (const i of [item('a1', 'A'), item('b1', 'B'), item('a2', 'A'), item('b2', 'B'), item('a3', 'A')]) q.push(i)
    expect(q.size).toBe(5)
    expect([q.sizeOf('A'), q.sizeOf('B'), q.sizeOf('C')]).toEqual([3, 2, 0])
    expect(q.holders().sort()).toEqual(['A', 'B'])
    expect([q.shift('A')?.name, q.shift('A')?.name, q.shift('B')?.name]).toEqual(['a1', 'a2', 'b1'])
    expect(q.shift('C')).toBeUndefined()
    expect(q.size).toBe(2)
  })

  it('forgets a coordinator whose queue ran empty', () => {
    const q = new UnitQueue<Item>()
    q.push(item('a1', 'A'))
    q.shift('A')
    expect(q.holders()).toEqual([])
    expect(q.size).toBe(0)
  })

  it('takes out exactly the items a test selects, keeping the order of the rest', () => {
    const q = new UnitQueue<Item>()
    for (const i of [item('a1', 'A', 1), item('a2', 'A', 2), item('b1', 'B', 3), item('a3', 'A', 4)]) q.push(i)
    expect(q.take((i) => i.receivedAt % 2 === 1).map((i) => i.name).sort()).toEqual(['a1', 'b1'])
    expect(q.size).toBe(2)
    expect(q.holders()).toEqual(['A'])
    expect(q.drain().map((i) => i.name)).toEqual(['a2', 'a3'])
    expect(q.size).toBe(0)
  })
})

describe('shouldHandBack', () => {
  // A lease received at t=0 with 60 s to run; units take about 1 s, so 3 s are needed to be safe.
  const lease = item('x', 'A', 0, 60_000)
  const need = 2 * 1000 + HAND_BACK_MARGIN_MS
  it.each([
    ['with plenty of time left', 10_000, false],
    ['just in time', 60_000 - need, false],
    ['once it could not finish safely', 60_000 - need + 1, true],
    ['past its deadline', 70_000, true]
  ])('%s', (_, startAt, expected) => {
    expect(shouldHandBack(lease, startAt, 1000)).toBe(expected)
  })

  it('never needs more than half the lease, so a bad estimate cannot reject every lease', () => {
    const short = item('y', 'A', 0, 4000)
    expect(shouldHandBack(short, 1999, 60_000)).toBe(false)
    expect(shouldHandBack(short, 2001, 60_000)).toBe(true)
  })
})
