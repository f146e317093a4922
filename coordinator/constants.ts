/** Defaults of a coordinator; every one can be overridden through `CoordinatorInit`. */

/** How often open jobs are re-announced on gossipsub while they have waiting units. */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 2_000
/** How often lease deadlines are checked. */
export const DEFAULT_EXPIRY_INTERVAL_MS = 250
/** Most leases handed out for one pull, whatever the worker asks for. */
export const MAX_LEASES_PER_PULL = 64
/**
 * Jobs a status request without a job id lists: the newest ones. Well under the wire's
 * MAX_JOBS_PER_STATUS, so that the reply never grows with the coordinator's history.
 */
export const MAX_JOBS_LISTED = 1_000
/** Running jobs one submitter may have at once. */
export const MAX_RUNNING_JOBS_PER_SUBMITTER = 100
/** Concurrent work streams per connection: one is enough for a worker, a few allow reconnects. */
export const MAX_WORK_STREAMS_PER_CONNECTION = 4
export const MAX_JOB_STREAMS_PER_CONNECTION = 16
/**
 * Work requests per second one peer may keep up, and its burst. An honest worker has at most a
 * pull, a report and a release in flight and batches them: some tens per second at most.
 */
export const DEFAULT_WORK_REQUESTS_PER_SECOND = 100
export const DEFAULT_WORK_REQUEST_BURST = 200
/** Open work streams per peer over all its connections: one is enough, a few allow reconnects. */
export const DEFAULT_WORK_STREAMS_PER_PEER = 4
