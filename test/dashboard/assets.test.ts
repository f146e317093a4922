import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { AssetError, importMap, loadAssets, packageDir, VENDOR } from '../../dashboard/assets.ts'

describe('loadAssets', () => {
  const dirs: string[] = []
  const publicDir = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'peergrid-assets-'))
    dirs.push(dir)
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true })
      writeFileSync(join(dir, name), text)
    }
    return dir
  }
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

  it('serves every file by its URL, the page at / with the import map in place, and the libraries', () => {
    const { assets, csp } = loadAssets(publicDir({ 'index.html': '<head><!-- import map --></head>', 'js/a.js': 'export {}', 'b.css': 'p{}' }))
    expect(assets.get('/')).toBe(assets.get('/index.html'))
    expect(assets.get('/index.html')!.body.toString()).toBe(`<head><script type="importmap">${importMap()}</script></head>`)
    expect(assets.get('/js/a.js')!.mediaType).toBe('text/javascript; charset=utf-8')
    expect(assets.get('/b.css')!.mediaType).toBe('text/css; charset=utf-8')
    for (const v of VENDOR) expect(assets.get(v.url)!.body.length).toBeGreaterThan(1000)
    expect([...assets.keys()].sort()).toEqual(['/', '/b.css', '/index.html', '/js/a.js', ...VENDOR.map((v) => v.url)].sort())
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'/)
  })

  it('says what is wrong with a page it cannot serve', () => {
    expect(() => loadAssets(publicDir({ 'app.js': '' }))).toThrow(AssetError)
    expect(() => loadAssets(publicDir({ 'index.html': '<head></head>' }))).toThrow(/import map/)
    expect(() => loadAssets(publicDir({ 'index.html': '<!-- import map -->', 'notes.txt': '' }))).toThrow(/unknown file type \.txt/)
  })
})

describe('packageDir', () => {
  it('finds an installed package behind its exports map, and names a missing one', () => {
    expect(packageDir('preact')).toMatch(/node_modules[/\\]preact$/)
    expect(() => packageDir('no-such-package-here')).toThrow(/needs the package no-such-package-here, which is not installed: run npm install/)
  })
})
