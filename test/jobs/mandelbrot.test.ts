import { describe, it, expect } from '@jest/globals'
import { PNG } from 'pngjs'
import { INSIDE_COLOUR, MAX_PIXELS, MAX_UNIT_BYTES, mandelbrot, type MandelbrotParams } from '../../jobs/mandelbrot.ts'

function render (params: MandelbrotParams, units: number): Uint8Array {
  expect(mandelbrot.check(params, units)).toEqual([])
  const outputs = mandelbrot.split(params, units).map((unit) => {
    const parsed = mandelbrot.parseUnit(JSON.parse(JSON.stringify(unit)))
    return mandelbrot.decodeOutput(mandelbrot.encodeOutput(mandelbrot.run(parsed)), parsed)
  })
  const result = mandelbrot.merge(params, outputs)
  expect(result.value).toEqual({ width: params.width, height: params.height })
  expect(result.file?.name).toBe('mandelbrot.png')
  expect(result.file?.mediaType).toBe('image/png')
  return result.file!.bytes
}

function pixelAt (png: PNG, x: number, y: number): number[] {
  const at = 4 * (y * png.width + x)
  return [png.data[at]!, png.data[at + 1]!, png.data[at + 2]!]
}

/**
 * Escape-time classification straight from the definition (|z| > 2 means escaped), with a
 * margin: 'outside' if it escapes within half the budget, 'inside' if it survives four
 * times the budget, 'unsure' in between, where bailout radius alone may decide.
 */
function classify (cr: number, ci: number, maxIterations: number): 'inside' | 'outside' | 'unsure' {
  let zr = 0
  let zi = 0
  for (let n = 1; n <= 4 * maxIterations; n++) {
    const next = zr * zr - zi * zi + cr
    zi = 2 * zr * zi + ci
    zr = next
    if (zr * zr + zi * zi > 4) return n <= maxIterations / 2 ? 'outside' : 'unsure'
  }
  return 'inside'
}

const isInsideColour = (rgb: number[]): boolean => rgb.every((v, i) => v === INSIDE_COLOUR[i])

describe('mandelbrot kind', () => {
  const view: MandelbrotParams = { width: 64, height: 48, centerX: -0.6, centerY: 0.35, scale: 3, maxIterations: 200 }

  it('renders a PNG of the requested size, identical across runs and unit counts', () => {
    const once = render(view, 1)
    const decoded = PNG.sync.read(Buffer.from(once))
    expect([decoded.width, decoded.height]).toEqual([view.width, view.height])
    expect(Buffer.from(render(view, 1)).equals(Buffer.from(once))).toBe(true)
    for (const units of [4, 7, view.height]) expect(Buffer.from(render(view, units)).equals(Buffer.from(once))).toBe(true)
  })

  it('colours pixels black exactly where the escape-time definition says inside', () => {
    // The view sits off the real axis, so a vertically flipped image would not match.
    const png = PNG.sync.read(Buffer.from(render(view, 5)))
    const pixel = view.scale / view.width
    let decided = 0
    const exterior = new Set<string>()
    for (let y = 0; y < view.height; y++) {
      for (let x = 0; x < view.width; x++) {
        const cr = view.centerX + (x + 0.5 - view.width / 2) * pixel
        const ci = view.centerY - (y + 0.5 - view.height / 2) * pixel
        const verdict = classify(cr, ci, view.maxIterations)
        if (verdict === 'unsure') continue
        decided++
        const rgb = pixelAt(png, x, y)
        expect({ x, y, inside: isInsideColour(rgb) }).toEqual({ x, y, inside: verdict === 'inside' })
        if (verdict === 'outside') exterior.add(rgb.join(','))
      }
    }
    expect(decided).toBeGreaterThan(0.95 * view.width * view.height)
    // A smooth gradient, not a handful of flat bands.
    expect(exterior.size).toBeGreaterThan(100)
  })

  it.each([
    ['the main cardioid centre c = -0.25', -0.25, 0, true],
    ['c = 2 + 2i, which escapes at once', 2, 2, false],
    ['c = -1, a period-2 point', -1, 0, true],
    ['c = 0.5', 0.5, 0, false]
  ])('colours the centre pixel of a view on %s', (_name, centerX, centerY, inside) => {
    // Odd sizes put a pixel centre exactly on the view centre.
    const png = PNG.sync.read(Buffer.from(render({ width: 5, height: 3, centerX, centerY, scale: 0.01, maxIterations: 1000 }, 2)))
    expect(isInsideColour(pixelAt(png, 2, 1))).toBe(inside)
  })

  it('splits rows into contiguous near-equal bands carrying the view', () => {
    const units = mandelbrot.split(view, 5)
    expect(units.map((u) => [u.y0, u.y1])).toEqual([[0, 10], [10, 20], [20, 30], [30, 39], [39, 48]])
    for (const unit of units) expect({ ...unit, y0: 0, y1: 0 }).toEqual({ ...view, y0: 0, y1: 0 })
  })

  it.each([
    [{ width: 800, height: 600 }, 48, []],
    [{ width: 800, height: 600 }, 601, ['units: must be at most 600 for these params (got 601)']],
    [{ width: 16384, height: 16384 }, 1, [`params.height: width × height must be at most ${MAX_PIXELS} pixels (got 16384 × 16384 = 268435456)`]],
    [{ width: 16384, height: 1024 }, 12, [`units: must be at least 13 so that no band exceeds ${MAX_UNIT_BYTES} bytes (got 12)`]]
  ])('check(%j, %d) reports %j', (size, units, expected) => {
    expect(mandelbrot.check({ ...view, ...size }, units)).toEqual(expected)
  })

  const unit = { ...view, y0: 0, y1: 10 }
  it.each([
    ['an array', [], /^unit: must be an object/],
    ['an extra field', { ...unit, extra: 1 }, /^unit\.extra: unexpected field/],
    ['an empty band', { ...unit, y1: 0 }, /^unit\.y1: must be in \[1, /],
    ['rows below the image', { ...unit, y1: 49 }, /^unit\.y1: must be in/],
    ['a negative row', { ...unit, y0: -1 }, /^unit\.y0: must be in/],
    ['width 0', { ...unit, width: 0 }, /^unit\.width: must be in/],
    ['too many pixels', { ...unit, width: 16384, height: 16384 }, /^unit\.height: must be in/],
    ['a band over the byte limit', { ...unit, width: 16384, height: 1000, y1: 86 }, /^unit\.y1: must be in \[1, 85\]/],
    ['scale 0', { ...unit, scale: 0 }, /^unit\.scale: must be in \(0, /],
    ['a string centre', { ...unit, centerX: '0' }, /^unit\.centerX: must be a finite number/],
    ['a NaN centre', { ...unit, centerY: Number.NaN }, /^unit\.centerY: must be a finite number/],
    ['fractional iterations', { ...unit, maxIterations: 1.5 }, /^unit\.maxIterations: must be an integer/]
  ])('parseUnit rejects %s', (_label, payload, message) => {
    expect(() => mandelbrot.parseUnit(payload)).toThrow(message)
  })

  it('decodeOutput accepts exactly three bytes per pixel of the band', () => {
    const size = 10 * view.width * 3
    expect(mandelbrot.decodeOutput(new Uint8Array(size), unit)).toHaveLength(size)
    expect(() => mandelbrot.decodeOutput(new Uint8Array(size - 1), unit)).toThrow(/expected 1920 bytes/)
    expect(() => mandelbrot.decodeOutput(new Uint8Array(size + 3), unit)).toThrow(/expected 1920 bytes/)
  })

  it('merge refuses outputs that do not cover the image', () => {
    const row = new Uint8Array(view.width * 3)
    expect(() => mandelbrot.merge(view, [row])).toThrow(/cover 1 of 48 rows/)
    expect(() => mandelbrot.merge(view, [new Uint8Array(5)])).toThrow(/output 0/)
  })
})
