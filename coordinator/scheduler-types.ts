/** The shapes the scheduler hands out and takes in, and the events it emits. */
import type { ResultStatus } from './store.ts'

export interface IssuedLease {
  id: string
  jobId: string
  kind: string
  unitIndex: number
  payload: string
  deadlineMs: number
  timeoutMs: number
}

export interface IncomingResult {
  leaseId: string
  status: Exclude<ResultStatus, 'invalid'>
  output?: Uint8Array
  cpuMs?: number
}

/** How the coordinator answered one result. */
export type ResultAck = 'OK' | 'NOT_FOUND' | 'LEASE_EXPIRED'

export interface SchedulerEvents {
  'job:added': [{ jobId: string }]
  'unit:accepted': [{ jobId: string, unitIndex: number, peers: string[] }]
  'unit:reopened': [{ jobId: string, unitIndex: number }]
  'job:finished': [{ jobId: string, state: 'completed' | 'failed' | 'cancelled' }]
  'lease:expired': [{ leaseId: string, peer: string }]
}

export type Clock = () => number
