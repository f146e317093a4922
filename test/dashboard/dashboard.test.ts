/**
 * The dashboard in a real headless Chromium, against a real grid on 127.0.0.1: a coordinator,
 * three honest workers and the lying fixture worker as processes. The page fills its peers
 * table, then shows the liar's score fall and its ban as they happen, without a reload; the
 * liar's page draws its reputation chart. The overview is saved in test/.artifacts/ (and as the
 * README's examples/dashboard.png when PEERGRID_UPDATE_SCREENSHOT=1).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from '@jest/globals'
import { chromium, type Browser, type Page } from 'playwright-core'
import { PeergridProcess, runCli } from '../helpers/processes.ts'

const CHROMIUM = '/usr/bin/chromium'
const LIAR = fileURLToPath(new URL('../fixtures/liar-worker.ts', import.meta.url))
const SCREENSHOT = fileURLToPath(new URL(process.env.PEERGRID_UPDATE_SCREENSHOT === '1' ? '../../examples/dashboard.png' : '../.artifacts/dashboard.png', import.meta.url))
const MANDELBROT = fileURLToPath(new URL('../../examples/mandelbrot.json', import.meta.url))

/* The page's globals, as far as the functions below that run inside Chromium use them
   (this project compiles without the DOM library). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>
  readonly width: number
  readonly height: number
  readonly complete?: boolean
  querySelector: (selector: string) => PageElement | null
  click: () => void
  getContext: (kind: '2d') => { getImageData: (x: number, y: number, w: number, h: number) => { data: Uint8ClampedArray } }
}
declare const document: { querySelector: (selector: string) => PageElement | null, querySelectorAll: (selector: string) => ArrayLike<PageElement>, readonly body: unknown }
declare const window: { liarSeen?: Array<{ score: number, state: string }>, sameDocument?: boolean }
declare const MutationObserver: new (callback: () => void) => { observe: (target: unknown, options: Record<string, unknown>) => void }

const byPeer = (id: string): string => `tr[data-peer-id="${id}"]`

/** Starts the lying worker; resolves with its peer id once it is up. */
async function startLiar (dataDir: string, bootstrap: string, env: Record<string, string>): Promise<{ child: ChildProcess, peerId: string }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', LIAR, dataDir, bootstrap], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const peerId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the lying worker did not start within 30 s')), 30_000)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { event: string, peerId: string }
        if (e.event === 'ready') { clearTimeout(timer); resolve(e.peerId) }
      } catch { /* not an event line */ }
    })
  })
  return { child, peerId }
}

describe('the dashboard in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peergrid-dashboard-e2e-'))
  const env = { PEERGRID_HOME: join(dir, 'home') }
  const procs: PeergridProcess[] = []
  let liar: ChildProcess | undefined
  let browser: Browser | undefined

  afterAll(async () => {
    await browser?.close()
    liar?.kill('SIGKILL')
    await Promise.all(procs.map(async (p) => await p.stop('SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
  })

  it('shows the peers, the liar\'s falling score and its ban live, the liar\'s reputation chart, and unbans with the admin token', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: this test drives Debian's Chromium (as root: apt-get update && apt-get install -y chromium; .ci/run does it in CI)`)
    }
    const coordinator = new PeergridProcess(['coordinator', '--json', '--data-dir', join(dir, 'c'), '--announce-interval', '300', '--listen', '/ip4/127.0.0.1/tcp/0', '--http-port', '0'], env)
    procs.push(coordinator)
    const ready = await coordinator.ready()
    const address = (ready.addresses as string[])[0]!
    const url = ready.dashboardUrl as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']
    })
    const page: Page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    const pageErrors: string[] = []
    page.on('pageerror', (err) => pageErrors.push(err.message))
    const outside: string[] = []
    page.on('request', (req) => { if (!req.url().startsWith(url)) outside.push(req.url()) })
    await page.goto(`${url}#/peers`)
    await page.waitForSelector('[data-view="peers"]')
    await page.waitForSelector('.live[data-live="live"]')
    await page.evaluate(() => { window.sameDocument = true })

    const workers = [0, 1, 2].map((i) => new PeergridProcess(['worker', '--json', '--data-dir', join(dir, `w${i}`), '--threads', '1', '--nice', '0', '--bootstrap', address], env))
    procs.push(...workers)
    const started = await startLiar(join(dir, 'liar'), address, env)
    liar = started.child
    const liarId = started.peerId
    const honestIds = (await Promise.all(workers.map(async (w) => await w.ready()))).map((e) => e.peerId as string)

    // Record every score and state the liar's row shows, from its first appearance on.
    await page.evaluate((id) => {
      window.liarSeen = []
      const record = (): void => {
        const row = document.querySelector(`tr[data-peer-id="${id}"]`)
        if (row == null) return
        const seen = { score: Number(row.dataset.score), state: row.dataset.state ?? '' }
        const last = window.liarSeen!.at(-1)
        if (last?.score !== seen.score || last.state !== seen.state) window.liarSeen!.push(seen)
      }
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-score', 'data-state'] })
      record()
    }, liarId)

    // An honest job first: every worker, the liar too, asks for work and fills the table.
    const mandelbrot = await runCli(['submit', MANDELBROT, '--coordinator', address, '--wait', '--json', '--out', join(dir, 'm.png')], env, 90_000)
    expect(mandelbrot.code).toBe(0)
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`tr[data-peer-id="${id}"]`) != null), [...honestIds, liarId], { timeout: 30_000, polling: 100 })
    const before = await page.getAttribute(byPeer(liarId), 'data-state')
    expect(before).not.toBe('banned')

    // Then a job the liar lies about, validated by credibility and spot-checks.
    const job = { kind: 'primes', params: { from: 0, to: 30_000_000 }, units: 150, validation: 'credibility', maxMaliciousFraction: 0.2, errorRate: 1e-3, unitTimeoutMs: 20_000 }
    writeFileSync(join(dir, 'primes.json'), JSON.stringify(job))
    const primes = runCli(['submit', join(dir, 'primes.json'), '--coordinator', address, '--wait', '--json'], env, 90_000)
    await page.waitForFunction((id) => document.querySelector(`tr[data-peer-id="${id}"]`)?.dataset.state === 'banned', liarId, { timeout: 60_000, polling: 100 })

    const seen = await page.evaluate(() => window.liarSeen!)
    expect(seen.at(-1)!.state).toBe('banned')
    expect(seen[0]!.state).not.toBe('banned')
    expect(seen.at(-1)!.score).toBeLessThan(seen[0]!.score)
    for (const id of honestIds) expect(await page.getAttribute(byPeer(id), 'data-state')).not.toBe('banned')
    expect(await page.evaluate(() => window.sameDocument)).toBe(true)
    expect((await primes).code).toBe(0)

    // Credit: honest peers hold what their accepted results are worth; the ban re-opened every
    // unit the liar backed (the Mandelbrot job takes no spot-checks), so it holds none.
    const creditOf = (id: string) => `${byPeer(id)} td[data-credit]`
    await page.waitForFunction((ids) => ids.every((id) => Number(document.querySelector(`tr[data-peer-id="${id}"] td[data-credit]`)?.dataset.credit) > 0), honestIds, { timeout: 15_000, polling: 100 })
    await page.waitForFunction((id) => document.querySelector(`tr[data-peer-id="${id}"] td[data-credit]`)?.dataset.credit === '0', liarId, { timeout: 15_000, polling: 100 })
    expect(await page.textContent(creditOf(honestIds[0]!))).toMatch(/^\d[\d,]*\.?\d*$/)

    // Sorting and filtering the table.
    const scores = async (): Promise<number[]> => (await page.$$eval('tr[data-peer-id]', (rows) => rows.map((r) => (r as unknown as PageElement).dataset.score))).map(Number)
    await page.click('button[data-sort="score"]')
    const descending = await scores()
    expect(descending).toEqual([...descending].sort((a, b) => b - a))
    expect(descending.length).toBeGreaterThanOrEqual(4)
    // Rows may come and go between reads (a client appears), so check the order, not the rows.
    await page.click('button[data-sort="score"]')
    const ascending = await scores()
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b))
    expect(ascending[0]).toBeLessThan(ascending.at(-1)!)
    await page.fill('input[type="search"]', 'banned')
    await page.waitForFunction((id) => {
      const rows = Array.from(document.querySelectorAll('tr[data-peer-id]'))
      return rows.length === 1 && rows[0]!.dataset.peerId === id
    }, liarId, { timeout: 5_000, polling: 100 })
    await page.fill('input[type="search"]', '')

    // The liar's page, reached by its link: a reputation chart with its score line and its lies.
    await page.click(`${byPeer(liarId)} a`)
    await page.waitForSelector(`[data-view="peer"][data-peer-id="${liarId}"][data-state="banned"]`)
    const chart = await page.waitForFunction(() => {
      const box = document.querySelector('[data-view="peer"] .chart')
      const canvas = box?.querySelector('canvas')
      if (box == null || canvas == null || Number(box.dataset.points) === 0) return undefined
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
      let line = 0
      let lies = 0
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!]
        if (Math.abs(r - 79) < 12 && Math.abs(g - 70) < 12 && Math.abs(b - 229) < 12) line++
        if (Math.abs(r - 217) < 12 && Math.abs(g - 45) < 12 && Math.abs(b - 32) < 12) lies++
      }
      return line > 50 && lies > 0 ? { points: Number(box.dataset.points), line, lies } : undefined
    }, undefined, { timeout: 10_000, polling: 100 })
    const drawn = await chart.jsonValue() as { points: number, line: number, lies: number }
    expect(drawn.points).toBeGreaterThanOrEqual(2)
    expect(await page.evaluate(() => window.sameDocument)).toBe(true)

    // The overview, for the README.
    await page.click('.nav a[href="#/"]')
    await page.waitForSelector('[data-view="overview"] .chart canvas')
    await page.waitForFunction(() => Array.from(document.querySelectorAll('img.thumb')).every((img) => img.complete === true), undefined, { timeout: 10_000 })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })

    // Read-only until the coordinator's admin token is pasted; then the liar can be unbanned.
    await page.click('.nav a[href="#/peers"]')
    await page.waitForSelector(byPeer(liarId))
    expect(await page.locator('button[data-action]').count()).toBe(0)
    await page.click('.topbar-end button')
    await page.fill('.popover input', 'not-the-admin-token')
    await page.click('.popover button[type="submit"]')
    await page.waitForSelector('.popover .err')
    expect(await page.locator('button[data-action]').count()).toBe(0)
    await page.fill('.popover input', readFileSync(join(dir, 'c', 'admin.token'), 'utf8').trim())
    await page.click('.popover button[type="submit"]')
    await page.click(`${byPeer(liarId)} button[data-action="unban"]`)
    await page.waitForFunction((id) => document.querySelector(`tr[data-peer-id="${id}"]`)?.dataset.state === 'probation', liarId, { timeout: 10_000, polling: 100 })
    for (const id of honestIds) expect(await page.locator(`${byPeer(id)} button[data-action="ban"]`).count()).toBe(1)

    expect(pageErrors).toEqual([])
    expect(outside).toEqual([])
  }, 150_000)
})
