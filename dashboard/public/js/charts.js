// Charts drawn by uPlot on a canvas: accepted units per second, and a peer's reputation.
import uPlot from 'uplot'
import { useEffect, useRef } from 'preact/hooks'
import { html } from './html.js'

const FONT = '12px -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
const AXIS = { stroke: '#667085', font: FONT, grid: { stroke: '#f2f4f7', width: 1 }, ticks: { stroke: '#e4e7ec', width: 1, size: 4 } }
const INDIGO = '#4f46e5'
const pad = (n) => String(n).padStart(2, '0')
/** Time ticks as 24-hour clock times, in the browser's time zone. */
const TIME_AXIS = { ...AXIS, space: 70, values: (u, ticks) => ticks.map((t) => { const d = new Date(t * 1000); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` }) }

/** A vertical gradient under a line, fading to transparent. */
const fade = (rgb, top = 0.26) => (u) => {
  // The legend asks for its marker's fill before the plot has a size.
  if (!Number.isFinite(u.bbox?.top) || !Number.isFinite(u.bbox?.height)) return `rgba(${rgb}, ${top})`
  const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height)
  g.addColorStop(0, `rgba(${rgb}, ${top})`)
  g.addColorStop(1, `rgba(${rgb}, 0.02)`)
  return g
}

/**
 * A uPlot chart that follows its container's width. `options` makes uPlot's options and
 * `data` is its column arrays;
 * `points` (data points shown) goes into a data attribute for tests and for people.
 */
export function Chart ({ options, data, height = 240, empty, points }) {
  const box = useRef(null)
  const plot = useRef(null)
  useEffect(() => {
    const el = box.current
    const u = new uPlot({ ...options(), width: Math.max(200, el.clientWidth), height }, data, el)
    plot.current = u
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      u.destroy()
      plot.current = null
    }
  }, [])
  useEffect(() => { plot.current?.setData(data) }, [data])
  return html`
    <div class="chart" data-points=${points}>
      <div ref=${box}></div>
      ${empty != null && html`<div class="chart-empty">${empty}</div>`}
    </div>`
}

/** Fresh options for each chart: uPlot keeps its state in the objects it is given. */
export const throughputOptions = () => ({
  legend: { show: false },
  cursor: { drag: { x: false, y: false }, points: { size: 7, fill: INDIGO } },
  scales: {
    x: { time: true },
    y: { range: (u, min, max) => [0, Math.max(4, Math.ceil(max * 1.2))] }
  },
  axes: [
    TIME_AXIS,
    { ...AXIS, size: 46, values: (u, ticks) => ticks.map((t) => Number.isInteger(t) ? t : t.toFixed(1)) }
  ],
  series: [
    {},
    { label: 'accepted units/s', stroke: INDIGO, width: 2, fill: fade('79, 70, 229'), points: { show: false } }
  ]
})

/** The thresholds of the reputation rules, drawn across the score chart. */
const THRESHOLDS = [
  { score: 0.7, color: '#079455', label: 'trusted ≥ 0.70' },
  { score: 0.15, color: '#d92d20', label: 'ban < 0.15' }
]

function drawThresholds (u) {
  const { ctx, bbox } = u
  const dpr = devicePixelRatio || 1
  ctx.save()
  ctx.lineWidth = dpr
  ctx.setLineDash([5 * dpr, 4 * dpr])
  ctx.font = `${11 * dpr}px ${FONT.slice(5)}`
  ctx.textAlign = 'right'
  ctx.textBaseline = 'bottom'
  for (const t of THRESHOLDS) {
    const y = Math.round(u.valToPos(t.score, 'y', true))
    ctx.strokeStyle = t.color
    ctx.globalAlpha = 0.7
    ctx.beginPath()
    ctx.moveTo(bbox.left, y)
    ctx.lineTo(bbox.left + bbox.width, y)
    ctx.stroke()
    ctx.globalAlpha = 1
    ctx.fillStyle = t.color
    ctx.fillText(t.label, bbox.left + bbox.width - 6 * dpr, y - 3 * dpr)
  }
  ctx.restore()
}

const LIES = new Set(['invalid', 'spot-fail'])

/** uPlot columns for a reputation history: score after each event, and the lies caught. */
export function scoreData (history, now) {
  const xs = history.map((h) => h.atMs / 1000)
  const score = history.map((h) => h.score)
  const lies = history.map((h) => LIES.has(h.event) ? h.score : null)
  const last = history.at(-1)
  // The line runs on to the present: the score holds until the next event.
  if (last != null && now / 1000 > xs.at(-1)) {
    xs.push(now / 1000)
    score.push(last.score)
    lies.push(null)
  }
  return [xs, score, lies]
}

export const scoreOptions = () => ({
  legend: { show: true, live: false },
  cursor: { drag: { x: true, y: false }, points: { size: 7 } },
  scales: {
    x: { time: true, range: (u, min, max) => min === max ? [min - 30, max + 30] : [min, max] },
    y: { range: [0, 1] }
  },
  axes: [
    TIME_AXIS,
    { ...AXIS, size: 40, values: (u, ticks) => ticks.map((t) => t.toFixed(1)) }
  ],
  series: [
    {},
    { label: 'score', stroke: INDIGO, width: 2, fill: fade('79, 70, 229', 0.18), paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } },
    { label: 'invalid result or failed spot-check', stroke: '#d92d20', fill: '#d92d20', width: 0, paths: () => null, points: { show: true, size: 8, width: 2, stroke: '#fff', fill: '#d92d20' } }
  ],
  hooks: { draw: [drawThresholds] }
})
