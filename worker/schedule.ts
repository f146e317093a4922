/**
 * When the owner lets the worker compute: daily windows of local time such as
 * `22:00-07:00` (wrapping midnight) or `12:00-13:30,19:00-23:00`. Outside every window the
 * worker pauses. Times are wall-clock local time, so a window follows daylight-saving shifts.
 */

/** A daily window in minutes after local midnight: `[start, end)`, wrapping midnight when `end <= start`. */
export interface ScheduleWindow {
  readonly start: number
  readonly end: number
}

export class InvalidScheduleError extends Error {
  override name = 'InvalidScheduleError'
}

const MINUTES_PER_DAY = 24 * 60
const WINDOW = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/

function minutes (hours: string, mins: string, allowMidnightEnd: boolean): number | undefined {
  const h = Number(hours)
  const m = Number(mins)
  if (m > 59) return undefined
  if (h === 24 && m === 0 && allowMidnightEnd) return MINUTES_PER_DAY
  if (h > 23) return undefined
  return h * 60 + m
}

/** Parses `HH:MM-HH:MM[,HH:MM-HH:MM]…`; throws {@link InvalidScheduleError} saying what is wrong. */
export function parseSchedule (text: string): ScheduleWindow[] {
  const parts = text.split(',').map((s) => s.trim())
  if (parts.some((p) => p === '')) throw new InvalidScheduleError(`expected windows like 22:00-07:00, separated by commas (got "${text}")`)
  return parts.map((part) => {
    const match = WINDOW.exec(part)
    if (match == null) throw new InvalidScheduleError(`"${part}" is not a window like 22:00-07:00 (24-hour local time)`)
    const start = minutes(match[1]!, match[2]!, false)
    const end = minutes(match[3]!, match[4]!, true)
    if (start === undefined || end === undefined) throw new InvalidScheduleError(`"${part}" has a time that does not exist; use 00:00 to 23:59 (24:00 may end a window)`)
    if (start === end) throw new InvalidScheduleError(`"${part}" is empty; to compute all day leave the schedule out`)
    return { start, end }
  })
}

function clock (minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}

export function formatSchedule (windows: readonly ScheduleWindow[]): string {
  return windows.map((w) => `${clock(w.start)}-${clock(w.end)}`).join(',')
}

/** Minutes (with fractions) after local midnight. */
function minuteOfDay (date: Date): number {
  return date.getHours() * 60 + date.getMinutes() + date.getSeconds() / 60 + date.getMilliseconds() / 60_000
}

function contains (window: ScheduleWindow, minute: number): boolean {
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end
}

/** Whether `date` (local time) falls inside any window; an empty list allows all the time. */
export function inSchedule (windows: readonly ScheduleWindow[], date: Date): boolean {
  if (windows.length === 0) return true
  const minute = minuteOfDay(date)
  return windows.some((w) => contains(w, minute))
}

/**
 * The next moment a window opens after `date`, or undefined when `date` is inside one (or
 * there is no schedule). Computed on the calendar, so a daylight-saving change is honoured.
 */
export function nextOpening (windows: readonly ScheduleWindow[], date: Date): Date | undefined {
  if (inSchedule(windows, date)) return undefined
  let best: Date | undefined
  for (const w of windows) {
    const at = new Date(date.getFullYear(), date.getMonth(), date.getDate(), Math.floor(w.start / 60), w.start % 60)
    if (at.getTime() <= date.getTime()) at.setDate(at.getDate() + 1)
    if (best === undefined || at < best) best = at
  }
  return best
}
