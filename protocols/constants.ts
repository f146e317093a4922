/**
 * Size limits of the wire formats. Every decoder enforces them before it allocates, so a
 * hostile peer can make us read at most one frame of the announced kind, never more.
 * Byte limits on strings count UTF-8 bytes, which is what travels and what is allocated.
 */

const KiB = 1024
const MiB = 1024 * KiB

/** Largest encoded message, without its length prefix, accepted for each message type. */
export const MAX_FRAME_BYTES = {
  /** A job spec is small: a kind and a handful of parameters, or a WebAssembly module's hash. */
  jobRequest: 1 * MiB,
  /** A result reply may carry a whole file, such as a rendered Mandelbrot PNG. */
  jobResponse: 64 * MiB,
  /** Batches of leases and results on the long-lived work stream. */
  workRequest: 8 * MiB,
  workResponse: 8 * MiB,
  /** Gossiped to every peer, so kept tiny. */
  announcement: 16 * KiB
} as const

/** Job ids and lease ids. */
export const MAX_ID_BYTES = 128
/** Peer ids in string form (an Ed25519 peer id is 52 characters in base58btc). */
export const MAX_PEER_ID_BYTES = 128
/** Job kind names such as `mandelbrot`. */
export const MAX_KIND_BYTES = 64
/** Job and unit state names such as `running`. */
export const MAX_STATE_BYTES = 32
/** Human-readable text: reply messages and unit error descriptions. */
export const MAX_TEXT_BYTES = 4 * KiB
/** The JSON job spec; the whole request frame is the real bound. */
export const MAX_SPEC_JSON_BYTES = MAX_FRAME_BYTES.jobRequest
/** A result's file name and media type. */
export const MAX_FILE_NAME_BYTES = 255
export const MAX_MEDIA_TYPE_BYTES = 255

/** Leases granted or asked for, results reported, leases released or acked, per work frame. */
export const MAX_UNITS_PER_FRAME = 1024
/** Job ids a worker may name in one Pull. */
export const MAX_JOB_FILTER = 64
/** Jobs in one status reply. */
export const MAX_JOBS_PER_STATUS = 10_000
/** Units a job may be split into, so that its per-unit status fits in one reply. */
export const MAX_UNITS_PER_JOB = 100_000
/** Distinct peers recorded against one unit (replicas issued over its lifetime). */
export const MAX_PEERS_PER_UNIT = 64

/**
 * Credit travels in thousandths and is read as thousandths / 1000. Up to 2^50 thousandths, that
 * double converts back to the same integer; above 2^51 it need not, and a decoded credit would
 * re-encode as a neighbouring value. 2^50 thousandths (10^12 core-seconds) is far beyond any
 * grid's total.
 */
export const MAX_CREDIT_MILLI = 2 ** 50

/** Multiaddrs in one announcement, and the size of each in binary form. */
export const MAX_ANNOUNCED_ADDRS = 32
export const MAX_ADDR_BYTES = 512
