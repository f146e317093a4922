/** The built-in job kinds by name: the one place that decides which kinds a peer can run. */
import type { JobKind } from './kind.ts'
import { hashSearch } from './hash-search.ts'
import { mandelbrot } from './mandelbrot.ts'
import { montecarloPi } from './montecarlo-pi.ts'
import { primes } from './primes.ts'

export class UnknownKindError extends Error {
  override name = 'UnknownKindError'
  readonly kind: string
  constructor (kind: string, known: readonly string[]) {
    super(`unknown job kind ${JSON.stringify(kind)}; known kinds: ${known.join(', ')}`)
    this.kind = kind
  }
}

export const kinds: ReadonlyMap<string, JobKind> = new Map<string, JobKind>(
  [primes, montecarloPi, mandelbrot, hashSearch].map((kind) => [kind.name, kind])
)

/** Names of the built-in kinds, in registration order. */
export function kindNames (): string[] {
  return [...kinds.keys()]
}

/** The kind called `name`; throws {@link UnknownKindError} listing the known kinds otherwise. */
export function getKind (name: string): JobKind {
  const kind = kinds.get(name)
  if (kind === undefined) throw new UnknownKindError(name, kindNames())
  return kind
}
