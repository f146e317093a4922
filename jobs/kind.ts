/**
 * The job-kind contract (DESIGN §4). A kind is the only code that turns bytes from the
 * network into computation, so every entry point that sees foreign data validates it:
 * `parseUnit` on the worker side, `decodeOutput` on the coordinator side.
 */

/** A JSON value as it travels inside job files and unit payloads. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** JSON Schema fragment (draft 2020-12 subset that Ajv understands). */
export type JsonSchema = Record<string, unknown>

/** The merged result of a whole job. */
export interface JobResult {
  /** A small JSON summary printed by the CLI (`{ count: 5761455 }`). */
  value: Json
  /** An optional artefact (the Mandelbrot PNG). */
  file?: { name: string, mediaType: string, bytes: Uint8Array }
}

export interface JobKind<P = any, U = any, O = any> {
  /** The `kind` field of a job file. */
  readonly name: string
  /** One sentence for `--help` and the README. */
  readonly description: string
  /** JSON Schema of `params`; published in `jobs/job.schema.json`. */
  readonly paramsSchema: JsonSchema
  /**
   * Checks that a schema cannot express (`from <= to`, absurd sizes), given params that
   * already passed the schema. Returns one message per problem, each naming the field
   * (`params.to: must be greater than params.from (got 5 < 10)`); empty when valid.
   */
  check(params: P, units: number): string[]
  /** Splits valid params into at most `units` unit payloads, in order. Deterministic. */
  split(params: P, units: number): U[]
  /** Validates a unit payload that arrived over the network; throws a plain Error naming the problem. */
  parseUnit(payload: unknown): U
  /** Computes one unit. Pure and deterministic: equal units give byte-identical outputs. */
  run(unit: U): O
  /** Canonical bytes of an output; replicas are compared byte for byte on these. */
  encodeOutput(output: O): Uint8Array
  /** Decodes (and validates) output bytes from an untrusted peer; throws on anything malformed. */
  decodeOutput(bytes: Uint8Array, unit: U): O
  /** Cheap independent check of an output, for kinds where checking costs less than computing. */
  verify?(unit: U, output: O): boolean
  /**
   * Credit the accepted output of a unit is worth, in reference core-seconds (`credit.ts`):
   * computed from the unit and its canonical output only, never from a peer's claim.
   */
  credit(unit: U, output: O): number
  /** Merges the outputs of all units (in unit order) into the job result. */
  merge(params: P, outputs: O[]): JobResult
}
