/**
 * The dashboard's static files: the page in `public/` and a fixed whitelist of front-end
 * libraries served straight from node_modules, all read into memory at start. Requests are
 * looked up by exact URL in that table, so no request path ever reaches the file system.
 * The page loads nothing from anywhere else, which the Content-Security-Policy enforces.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url))

export interface Asset {
  readonly body: Buffer
  readonly mediaType: string
  readonly etag: string
  /** Library files never change while the coordinator runs; the page's own files may between runs. */
  readonly cacheControl: string
}

export class AssetError extends Error {
  override name = 'AssetError'
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8'
}

/** Library files the page imports, by bare specifier (for the import map) and URL. */
interface VendorFile { readonly pkg: string, readonly file: string, readonly url: string, readonly specifier?: string }

export const VENDOR: readonly VendorFile[] = [
  { pkg: 'preact', file: 'dist/preact.mjs', url: '/vendor/preact.mjs', specifier: 'preact' },
  { pkg: 'preact', file: 'hooks/dist/hooks.mjs', url: '/vendor/preact-hooks.mjs', specifier: 'preact/hooks' },
  { pkg: 'htm', file: 'dist/htm.mjs', url: '/vendor/htm.mjs', specifier: 'htm' },
  { pkg: 'uplot', file: 'dist/uPlot.esm.js', url: '/vendor/uplot.mjs', specifier: 'uplot' },
  { pkg: 'uplot', file: 'dist/uPlot.min.css', url: '/vendor/uplot.css' }
]

const require = createRequire(import.meta.url)

/** The installed directory of a package, found from its entry point (exports maps hide package.json). */
export function packageDir (name: string): string {
  let dir: string
  try {
    dir = dirname(require.resolve(name))
  } catch {
    throw new AssetError(`the dashboard needs the package ${name}, which is not installed: run npm install`)
  }
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new AssetError(`cannot find the installed package ${name}: run npm install`)
    dir = parent
  }
}

export function importMap (): string {
  const imports = Object.fromEntries(VENDOR.filter((v) => v.specifier != null).map((v) => [v.specifier!, v.url]))
  return JSON.stringify({ imports })
}

const sha256 = (text: string | Buffer, encoding: 'base64' | 'hex'): string => createHash('sha256').update(text).digest(encoding)

function asset (body: Buffer, path: string, cacheControl: string): Asset {
  const mediaType = MEDIA_TYPES[extname(path)]
  if (mediaType == null) throw new AssetError(`the dashboard cannot serve ${path}: unknown file type ${extname(path)}`)
  return { body, mediaType, etag: `"${sha256(body, 'hex').slice(0, 20)}"`, cacheControl }
}

function filesUnder (dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

export interface AssetTable {
  readonly assets: ReadonlyMap<string, Asset>
  /** The Content-Security-Policy of the page: its inline import map is allowed by hash. */
  readonly csp: string
}

const IMPORT_MAP_SLOT = '<!-- import map -->'

export function loadAssets (publicDir = PUBLIC_DIR): AssetTable {
  const assets = new Map<string, Asset>()
  const map = importMap()
  for (const path of filesUnder(publicDir)) {
    let body = readFileSync(path)
    const url = '/' + relative(publicDir, path).split(sep).join('/')
    if (url === '/index.html') {
      const html = body.toString('utf8')
      if (!html.includes(IMPORT_MAP_SLOT)) throw new AssetError(`${path} has no "${IMPORT_MAP_SLOT}" line where the import map goes`)
      body = Buffer.from(html.replace(IMPORT_MAP_SLOT, `<script type="importmap">${map}</script>`))
    }
    assets.set(url, asset(body, path, 'no-cache'))
  }
  const index = assets.get('/index.html')
  if (index == null) throw new AssetError(`${publicDir} has no index.html`)
  assets.set('/', index)
  for (const v of VENDOR) {
    const path = join(packageDir(v.pkg), v.file)
    assets.set(v.url, asset(readFileSync(path), path, 'public, max-age=86400'))
  }
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${sha256(map, 'base64')}'`,
    // Preact and uPlot set element styles from script; the page has no inline <style>.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
  return { assets, csp }
}
