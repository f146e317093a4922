/** What running one unit produced. A failed unit is a value, never an exception. */
export type UnitOutcome =
  | { status: 'ok', output: Uint8Array, cpuMs: number, wallMs: number }
  | { status: 'error', message: string, wallMs: number }
  | { status: 'timeout', wallMs: number }
  | { status: 'out-of-memory', wallMs: number }
  | { status: 'cancelled', wallMs: number }

export type UnitOutcomeStatus = UnitOutcome['status']
