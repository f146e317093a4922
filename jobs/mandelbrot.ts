/**
 * `mandelbrot`: renders a view of the Mandelbrot set as a PNG, one horizontal band of rows
 * per unit.
 *
 * The view is given by its centre, its width in the complex plane (`scale`; pixels are
 * square, so the height follows from the aspect ratio) and the image size. Pixel (x, y)
 * samples its centre, c = centerX + (x + 1/2 - width/2)·s + i·(centerY - (y + 1/2 - height/2)·s)
 * with s = scale / width, so the imaginary axis points up and a pixel's colour depends on
 * nothing but its own coordinates: any band split gives the same image.
 *
 * Exterior points get a smooth (continuous) escape count mapped through a cyclic gradient;
 * interior points are black. Only IEEE double arithmetic and Math.log are used, both exactly
 * reproducible in V8.
 */
import { PNG } from 'pngjs'
import type { JobKind, JobResult } from './kind.ts'
import { creditFor, REFERENCE_RATES } from './credit.ts'
import { checkUnitCount, paramIssue, readInteger, readNumber, readRecord } from './codec.ts'

export interface MandelbrotParams {
  width: number
  height: number
  centerX: number
  centerY: number
  /** Width of the view in the complex plane. */
  scale: number
  maxIterations: number
}

/** Rows y0 (inclusive) to y1 (exclusive) of the image described by the params. */
export interface MandelbrotUnit extends MandelbrotParams {
  y0: number
  y1: number
}

/** RGB bytes of the unit's rows, top to bottom, three per pixel. */
export type MandelbrotOutput = Uint8Array

export const MAX_DIMENSION = 16384
/** 16 megapixels (48 MiB of RGB) is far beyond a dashboard preview and still fits a coordinator's memory. */
export const MAX_PIXELS = 1 << 24
export const MAX_ITERATIONS = 100_000
/** Largest band one unit may return, so a result fits comfortably in one protocol message. */
export const MAX_UNIT_BYTES = 4 * 1024 * 1024
/** Centres beyond this are nowhere near the set (it lies within |c| <= 2). */
export const MAX_CENTER = 10
export const MAX_SCALE = 100
export const INSIDE_COLOUR: readonly [number, number, number] = [0, 0, 0]

/** A large escape radius makes the smooth count continuous across iteration bands. */
const BAILOUT_SQUARED = 256 * 256
const LOG2 = Math.log(2)

/**
 * The gradient Ultra Fractal made familiar: deep blue, sky, white, gold, near-black, back to
 * blue. Its darkest stop keeps a trace of green, so no exterior pixel is the interior black.
 */
const STOPS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 7, 100],
  [0.16, 32, 107, 203],
  [0.42, 237, 255, 255],
  [0.6425, 255, 170, 0],
  [0.8575, 0, 2, 0],
  [1, 0, 7, 100]
]
const PALETTE_SIZE = 2048
/** Escape counts per trip around the gradient; sqrt keeps both fast and slow escapes varied. */
const CYCLE = 6

/** The gradient sampled at PALETTE_SIZE points, RGB interleaved; computed once with integer rounding. */
const PALETTE: Uint8Array = (() => {
  const palette = new Uint8Array(PALETTE_SIZE * 3)
  for (let i = 0; i < PALETTE_SIZE; i++) {
    const t = i / PALETTE_SIZE
    let k = 0
    while (t > STOPS[k + 1]![0]) k++
    const [t0, r0, g0, b0] = STOPS[k]!
    const [t1, r1, g1, b1] = STOPS[k + 1]!
    // Smoothstep easing hides the kinks a linear ramp shows at each stop.
    const u = (t - t0) / (t1 - t0)
    const w = u * u * (3 - 2 * u)
    palette[3 * i] = Math.round(r0 + (r1 - r0) * w)
    palette[3 * i + 1] = Math.round(g0 + (g1 - g0) * w)
    palette[3 * i + 2] = Math.round(b0 + (b1 - b0) * w)
  }
  return palette
})()

/** True for points of the main cardioid and the period-2 bulb, which never escape. */
function inMainBulbs (cr: number, ci: number): boolean {
  const ci2 = ci * ci
  const xr = cr - 0.25
  const q = xr * xr + ci2
  if (q * (q + xr) <= 0.25 * ci2) return true
  const xb = cr + 1
  return xb * xb + ci2 <= 0.0625
}

/**
 * The smooth escape count of c (n + 1 - log2(log2 |z_n|), at least 0), or -1 when c has not
 * escaped after maxIterations.
 */
export function smoothEscape (cr: number, ci: number, maxIterations: number): number {
  if (inMainBulbs(cr, ci)) return -1
  let zr = 0
  let zi = 0
  let zr2 = 0
  let zi2 = 0
  let n = 0
  while (n < maxIterations && zr2 + zi2 <= BAILOUT_SQUARED) {
    zi = 2 * zr * zi + ci
    zr = zr2 - zi2 + cr
    zr2 = zr * zr
    zi2 = zi * zi
    n++
  }
  if (zr2 + zi2 <= BAILOUT_SQUARED) return -1
  const smooth = n + 1 - Math.log(Math.log(zr2 + zi2) / (2 * LOG2)) / LOG2
  return smooth > 0 ? smooth : 0
}

/** Iterations smoothEscape spends on c (the main bulbs cost none). */
export function iterationsAt (cr: number, ci: number, maxIterations: number): number {
  if (inMainBulbs(cr, ci)) return 0
  let zr = 0
  let zi = 0
  let n = 0
  while (n < maxIterations && zr * zr + zi * zi <= BAILOUT_SQUARED) {
    const next = zr * zr - zi * zi + cr
    zi = 2 * zr * zi + ci
    zr = next
    n++
  }
  return n
}

/** Samples per side of the grid that estimates a band's escape iterations: at most 256 points. */
const CREDIT_GRID = 16

const isInside = (rgb: Uint8Array, at: number): boolean =>
  rgb[at] === INSIDE_COLOUR[0] && rgb[at + 1] === INSIDE_COLOUR[1] && rgb[at + 2] === INSIDE_COLOUR[2]

/**
 * Iterations (plus one per pixel, for colouring) a band cost. Interior pixels are exact from
 * the output: each ran to maxIterations unless it lies in a main bulb. The colour of an
 * exterior pixel does not say how long it took, so their mean is estimated on an evenly
 * spaced grid of at most 256 of them (within ~15% of the exact count on every view tried).
 */
export function estimateWork (unit: MandelbrotUnit, rgb: Uint8Array): number {
  const { width, height, centerX, centerY, scale, maxIterations, y0, y1 } = unit
  const pixel = scale / width
  const re = (x: number): number => centerX + (x + 0.5 - width / 2) * pixel
  const im = (y: number): number => centerY - (y + 0.5 - height / 2) * pixel
  let work = (y1 - y0) * width
  let exterior = 0
  for (let y = y0, at = 0; y < y1; y++) {
    for (let x = 0; x < width; x++, at += 3) {
      if (!isInside(rgb, at)) exterior++
      else if (!inMainBulbs(re(x), im(y))) work += maxIterations
    }
  }
  const rows = Math.min(CREDIT_GRID, y1 - y0)
  const columns = Math.min(CREDIT_GRID, width)
  let sampled = 0
  let samples = 0
  for (let j = 0; j < rows; j++) {
    const y = y0 + Math.floor((j + 0.5) * (y1 - y0) / rows)
    for (let i = 0; i < columns; i++) {
      const x = Math.floor((i + 0.5) * width / columns)
      if (isInside(rgb, 3 * ((y - y0) * width + x))) continue
      sampled += iterationsAt(re(x), im(y), maxIterations)
      samples++
    }
  }
  return work + (samples > 0 ? exterior * sampled / samples : 0)
}

/** Renders rows [y0, y1) of the view to RGB bytes. */
export function renderRows (unit: MandelbrotUnit): Uint8Array {
  const { width, height, centerX, centerY, scale, maxIterations, y0, y1 } = unit
  const pixel = scale / width
  const rgb = new Uint8Array((y1 - y0) * width * 3)
  let at = 0
  for (let y = y0; y < y1; y++) {
    const ci = centerY - (y + 0.5 - height / 2) * pixel
    for (let x = 0; x < width; x++) {
      const cr = centerX + (x + 0.5 - width / 2) * pixel
      const smooth = smoothEscape(cr, ci, maxIterations)
      if (smooth < 0) {
        rgb[at] = INSIDE_COLOUR[0]
        rgb[at + 1] = INSIDE_COLOUR[1]
        rgb[at + 2] = INSIDE_COLOUR[2]
      } else {
        const position = Math.sqrt(smooth) / CYCLE
        const entry = 3 * (Math.floor((position - Math.floor(position)) * PALETTE_SIZE) % PALETTE_SIZE)
        rgb[at] = PALETTE[entry]!
        rgb[at + 1] = PALETTE[entry + 1]!
        rgb[at + 2] = PALETTE[entry + 2]!
      }
      at += 3
    }
  }
  return rgb
}

/** The most rows one unit may hold at this width. */
function maxRowsPerUnit (width: number): number {
  return Math.floor(MAX_UNIT_BYTES / (width * 3))
}

/** Encodes a whole RGB image as an 8-bit truecolour PNG; deterministic for equal input. */
export function encodePng (width: number, height: number, rgb: Uint8Array): Buffer {
  const png = new PNG()
  png.width = width
  png.height = height
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength)
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false })
}

export const mandelbrot: JobKind<MandelbrotParams, MandelbrotUnit, MandelbrotOutput> = {
  name: 'mandelbrot',
  description: 'Renders a view of the Mandelbrot set as a smooth-coloured PNG, one band of rows per unit.',
  paramsSchema: {
    type: 'object',
    required: ['width', 'height', 'centerX', 'centerY', 'scale', 'maxIterations'],
    properties: {
      width: { type: 'integer', minimum: 1, maximum: MAX_DIMENSION, description: 'Image width in pixels.' },
      height: { type: 'integer', minimum: 1, maximum: MAX_DIMENSION, description: 'Image height in pixels.' },
      centerX: { type: 'number', minimum: -MAX_CENTER, maximum: MAX_CENTER, description: 'Real part of the view centre.' },
      centerY: { type: 'number', minimum: -MAX_CENTER, maximum: MAX_CENTER, description: 'Imaginary part of the view centre.' },
      scale: { type: 'number', exclusiveMinimum: 0, maximum: MAX_SCALE, description: 'Width of the view in the complex plane (3.5 shows the whole set).' },
      maxIterations: { type: 'integer', minimum: 1, maximum: MAX_ITERATIONS, description: 'Iterations before a point counts as inside the set.' }
    },
    additionalProperties: false
  },

  check (params, units) {
    const { width, height } = params
    if (width * height > MAX_PIXELS) {
      return [paramIssue('height', `width × height must be at most ${MAX_PIXELS} pixels`, `got ${width} × ${height} = ${width * height}`)]
    }
    const issues = checkUnitCount(units, height)
    const needed = Math.ceil(height / maxRowsPerUnit(width))
    if (issues.length === 0 && units < needed) {
      issues.push(`units: must be at least ${needed} so that no band exceeds ${MAX_UNIT_BYTES} bytes (got ${units})`)
    }
    return issues
  },

  split (params, units) {
    const bands = Math.max(1, Math.min(units, params.height))
    const small = Math.floor(params.height / bands)
    const taller = params.height - small * bands
    const result: MandelbrotUnit[] = []
    let y0 = 0
    for (let i = 0; i < bands; i++) {
      const y1 = y0 + small + (i < taller ? 1 : 0)
      result.push({ ...params, y0, y1 })
      y0 = y1
    }
    return result
  },

  parseUnit (payload) {
    const record = readRecord(payload, 'unit', ['width', 'height', 'centerX', 'centerY', 'scale', 'maxIterations', 'y0', 'y1'])
    const width = readInteger(record, 'width', 'unit', 1, MAX_DIMENSION)
    const height = readInteger(record, 'height', 'unit', 1, Math.min(MAX_DIMENSION, Math.floor(MAX_PIXELS / width)))
    const y0 = readInteger(record, 'y0', 'unit', 0, height - 1)
    const y1 = readInteger(record, 'y1', 'unit', y0 + 1, Math.min(height, y0 + maxRowsPerUnit(width)))
    return {
      width,
      height,
      centerX: readNumber(record, 'centerX', 'unit', -MAX_CENTER, MAX_CENTER),
      centerY: readNumber(record, 'centerY', 'unit', -MAX_CENTER, MAX_CENTER),
      scale: readNumber(record, 'scale', 'unit', 0, MAX_SCALE, true),
      maxIterations: readInteger(record, 'maxIterations', 'unit', 1, MAX_ITERATIONS),
      y0,
      y1
    }
  },

  run (unit) {
    return renderRows(unit)
  },

  encodeOutput (output) {
    return output
  },

  decodeOutput (bytes, unit) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('output: must be a Uint8Array')
    const expected = (unit.y1 - unit.y0) * unit.width * 3
    if (bytes.length !== expected) {
      throw new Error(`output: expected ${expected} bytes of RGB for rows ${unit.y0}..${unit.y1} at width ${unit.width} (got ${bytes.length})`)
    }
    return bytes
  },

  credit (unit, output) {
    return creditFor(estimateWork(unit, output), REFERENCE_RATES.mandelbrotIterations)
  },

  merge (params, outputs): JobResult {
    const { width, height } = params
    const rgb = new Uint8Array(width * height * 3)
    let at = 0
    for (const [index, band] of outputs.entries()) {
      if (band.length % (width * 3) !== 0 || at + band.length > rgb.length) {
        throw new Error(`output ${index}: ${band.length} bytes is not a band of whole rows inside a ${width}×${height} image`)
      }
      rgb.set(band, at)
      at += band.length
    }
    if (at !== rgb.length) throw new Error(`outputs cover ${at / (width * 3)} of ${height} rows`)
    return {
      value: { width, height },
      file: { name: 'mandelbrot.png', mediaType: 'image/png', bytes: encodePng(width, height, rgb) }
    }
  }
}
