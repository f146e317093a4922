/**
 * A minimal path router for the dashboard's HTTP API: patterns are slash-separated segments
 * where `:name` captures one non-empty segment. Matching is pure so it is tested by tables;
 * the server turns a miss into 404 and a known path with the wrong method into 405.
 */

export type Params = Readonly<Record<string, string>>

export type Match<H> =
  | { readonly kind: 'found', readonly handler: H, readonly params: Params }
  | { readonly kind: 'wrong-method', readonly allow: readonly string[] }
  | { readonly kind: 'not-found' }

interface Route<H> { readonly method: string, readonly segments: readonly string[], readonly handler: H }

export class RouteError extends Error {
  override name = 'RouteError'
}

const split = (path: string): string[] => path.split('/').filter((s) => s !== '')

export class Router<H> {
  readonly #routes: Array<Route<H>> = []

  add (method: string, pattern: string, handler: H): this {
    if (!pattern.startsWith('/')) throw new RouteError(`route pattern "${pattern}" must start with "/"`)
    const segments = split(pattern)
    for (const s of segments) {
      if (s === ':') throw new RouteError(`route pattern "${pattern}" has a parameter without a name`)
    }
    this.#routes.push({ method: method.toUpperCase(), segments, handler })
    return this
  }

  get (pattern: string, handler: H): this { return this.add('GET', pattern, handler) }
  post (pattern: string, handler: H): this { return this.add('POST', pattern, handler) }

  /** Finds the route for `method` and a URL path (already stripped of its query string). */
  match (method: string, path: string): Match<H> {
    let segments: string[]
    try {
      segments = split(path).map(decodeURIComponent)
    } catch {
      return { kind: 'not-found' } // a malformed %-escape names nothing we serve
    }
    const allow: string[] = []
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments)
      if (params == null) continue
      // HEAD is answered by GET handlers: the server drops the body.
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', handler: route.handler, params }
      allow.push(route.method)
    }
    return allow.length > 0 ? { kind: 'wrong-method', allow: [...new Set(allow)] } : { kind: 'not-found' }
  }
}

export function matchSegments (pattern: readonly string[], path: readonly string[]): Params | undefined {
  if (pattern.length !== path.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!
    const s = path[i]!
    if (p.startsWith(':')) params[p.slice(1)] = s
    else if (p !== s) return undefined
  }
  return params
}
