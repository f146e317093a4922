import { describe, expect, it } from '@jest/globals'
import { formatSchedule, inSchedule, InvalidScheduleError, nextOpening, parseSchedule } from '../../worker/schedule.ts'

/** A local time on a fixed day (a Wednesday), so the tests do not depend on today's date. */
const at = (hh: number, mm: number, ss = 0): Date => new Date(2025, 0, 15, hh, mm, ss)

describe('parseSchedule', () => {
  it.each([
    ['22:00-07:00', [{ start: 1320, end: 420 }]],
    ['9:30-17:00', [{ start: 570, end: 1020 }]],
    ['00:00-24:00', [{ start: 0, end: 1440 }]],
    ['12:00-13:00, 19:00-23:30', [{ start: 720, end: 780 }, { start: 1140, end: 1410 }]]
  ])('%s', (text, windows) => {
    expect(parseSchedule(text)).toEqual(windows)
  })

  it.each([
    ['', /expected windows like 22:00-07:00/],
    ['22:00', /"22:00" is not a window/],
    ['22-07', /is not a window/],
    ['25:00-07:00', /a time that does not exist/],
    ['22:60-07:00', /a time that does not exist/],
    ['24:00-07:00', /a time that does not exist/],
    ['08:00-08:00', /is empty/],
    ['00:00-24:00,', /separated by commas/]
  ])('rejects %j', (text, message) => {
    expect(() => parseSchedule(text)).toThrow(InvalidScheduleError)
    expect(() => parseSchedule(text)).toThrow(message)
  })

  it('formats back to the canonical text', () => {
    expect(formatSchedule(parseSchedule('9:05-17:00,22:00-7:00'))).toBe('09:05-17:00,22:00-07:00')
  })
})

describe('inSchedule', () => {
  it.each([
    ['22:00-07:00', at(21, 59, 59), false],
    ['22:00-07:00', at(22, 0), true],
    ['22:00-07:00', at(23, 59, 59), true],
    ['22:00-07:00', at(0, 0), true],
    ['22:00-07:00', at(6, 59, 59), true],
    ['22:00-07:00', at(7, 0), false],
    ['09:00-17:00', at(8, 59, 59), false],
    ['09:00-17:00', at(12, 0), true],
    ['09:00-17:00', at(17, 0), false],
    ['00:00-24:00', at(23, 59, 59), true],
    ['12:00-13:00,19:00-23:30', at(13, 30), false],
    ['12:00-13:00,19:00-23:30', at(19, 15), true]
  ])('%s at %s: %s', (text, date, inside) => {
    expect(inSchedule(parseSchedule(text), date)).toBe(inside)
  })

  it('an empty schedule allows any time', () => {
    expect(inSchedule([], at(3, 0))).toBe(true)
  })
})

describe('nextOpening', () => {
  it.each([
    ['22:00-07:00', at(12, 0), at(22, 0)],
    ['09:00-17:00', at(18, 0), new Date(2025, 0, 16, 9, 0)],
    ['09:00-17:00', at(8, 0), at(9, 0)],
    ['12:00-13:00,19:00-23:30', at(13, 30), at(19, 0)],
    ['12:00-13:00,19:00-23:30', at(23, 45), new Date(2025, 0, 16, 12, 0)]
  ])('%s after %s: %s', (text, date, expected) => {
    expect(nextOpening(parseSchedule(text), date)).toEqual(expected)
  })

  it('is undefined inside a window', () => {
    expect(nextOpening(parseSchedule('22:00-07:00'), at(23, 0))).toBeUndefined()
  })
})
