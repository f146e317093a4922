/**
 * Gossipsub topic validators shared by every role: a message that does not decode, or whose
 * claimed coordinator is not its signed author, is rejected (and counts against the relay).
 */
import { decodeJobAnnouncement } from './announce.ts'
import { decodeReputationReport } from './reputation.ts'
import { TOPICS } from './ids.ts'
import type { TopicValidator } from './node.ts'

export const validateJobAnnouncement: TopicValidator = (message) => {
  try {
    const announcement = decodeJobAnnouncement(message.data)
    return announcement.coordinator === message.from.toString() ? 'accept' : 'reject'
  } catch {
    return 'reject'
  }
}

export const validateReputationReport: TopicValidator = (message) => {
  try {
    return decodeReputationReport(message.data).coordinator === message.from.toString() ? 'accept' : 'reject'
  } catch {
    return 'reject'
  }
}

export const TOPIC_VALIDATORS: Record<string, TopicValidator> = {
  [TOPICS.jobs]: validateJobAnnouncement,
  [TOPICS.reputation]: validateReputationReport
}
