import { describe, expect, it } from '@jest/globals'
import { formatEvent } from '../../dashboard/sse.ts'

describe('formatEvent', () => {
  it('writes one event as the event-stream format defines it: event and data lines, then a blank line', () => {
    expect(formatEvent('update', { peers: [{ id: 'A' }] })).toBe('event: update\ndata: {"peers":[{"id":"A"}]}\n\n')
  })

  it('keeps data on one line even when its strings hold line breaks', () => {
    const text = formatEvent('update', { error: 'line one\nline two\r\n' })
    expect(text.split('\n')).toEqual(['event: update', 'data: {"error":"line one\\nline two\\r\\n"}', '', ''])
    expect(JSON.parse(text.split('\n')[1]!.slice('data: '.length))).toEqual({ error: 'line one\nline two\r\n' })
  })

  it('refuses an event name that would end its own line', () => {
    expect(() => formatEvent('up\ndate', {})).toThrow(/line break/)
  })
})
