/**
 * A minimal line-chart writer: SVG 1.1 as a string, no dependencies, no I/O. Enough for
 * the pricing figures (axes, ticks, grid, shaded bands, legend, small multiples).
 */

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const

export interface Series {
  label: string
  points: ReadonlyArray<readonly [number, number]>
  color?: string
  dashed?: boolean
  /** Draw a dot at each point (for per-round data). */
  dots?: boolean
}

export interface Axis {
  label: string
  min: number
  max: number
  ticks: readonly number[]
  log?: boolean
  format?: (value: number) => string
}

export interface LineChartOptions {
  title: string
  x: Axis
  y: Axis
  series: readonly Series[]
  /** Horizontal shaded bands, e.g. the convergence zone. */
  bands?: ReadonlyArray<{ from: number; to: number; label?: string }>
  width?: number
  height?: number
}

const MARGIN = { top: 36, right: 16, bottom: 46, left: 58 }

/**
 * Renders one chart as a standalone SVG document.
 * @example lineChart({ title: 't', x: { label: 'x', min: 0, max: 1, ticks: [0, 1] }, y: { label: 'y', min: 0, max: 1, ticks: [0, 1] }, series: [] }).startsWith('<svg') // true
 */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640
  const height = options.height ?? 400
  return svgDocument(width, height, chartBody(options, width, height))
}

/**
 * Lays out charts in a grid as one SVG document (each cell width x height).
 * @example grid('Two panels', [a, b], 2, 320, 240)
 */
export function grid(title: string, charts: readonly LineChartOptions[], columns: number, width: number, height: number): string {
  const rows = Math.ceil(charts.length / columns)
  const titleHeight = 30
  const cells = charts.map((chart, i) => {
    const x = (i % columns) * width
    const y = titleHeight + Math.floor(i / columns) * height
    return `<g transform="translate(${x},${y})">${chartBody(chart, width, height)}</g>`
  })
  const heading = `<text x="${(columns * width) / 2}" y="20" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`
  return svgDocument(columns * width, titleHeight + rows * height, heading + cells.join(''))
}

function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="12">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>\n`
  )
}

function chartBody(o: LineChartOptions, width: number, height: number): string {
  const plotW = width - MARGIN.left - MARGIN.right
  const plotH = height - MARGIN.top - MARGIN.bottom
  const sx = scale(o.x, MARGIN.left, MARGIN.left + plotW)
  const sy = scale(o.y, MARGIN.top + plotH, MARGIN.top)
  const fmtX = o.x.format ?? String
  const fmtY = o.y.format ?? String
  const parts: string[] = []

  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top - 14}" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`)
  for (const band of o.bands ?? []) {
    const top = sy(Math.min(band.to, o.y.max))
    const bottom = sy(Math.max(band.from, o.y.min))
    parts.push(`<rect x="${MARGIN.left}" y="${n(top)}" width="${plotW}" height="${n(bottom - top)}" fill="#999999" fill-opacity="0.18"/>`)
    if (band.label) parts.push(`<text x="${MARGIN.left + plotW - 4}" y="${n(top - 3)}" text-anchor="end" font-size="10" fill="#555555">${escapeXml(band.label)}</text>`)
  }
  for (const t of o.x.ticks) {
    const x = n(sx(t))
    parts.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + plotH}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${x}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeXml(fmtX(t))}</text>`)
  }
  for (const t of o.y.ticks) {
    const y = n(sy(t))
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(fmtY(t))}</text>`)
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`)
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(o.x.label)}</text>`)
  parts.push(
    `<text transform="translate(14,${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.y.label)}</text>`,
  )

  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!
    const pts = s.points.filter(([x, y]) => Number.isFinite(sx(x)) && Number.isFinite(sy(y)))
    if (pts.length === 0) return
    const d = pts.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${n(sx(x))},${n(sy(clamp(y, o.y.min, o.y.max)))}`).join('')
    const dash = s.dashed ? ' stroke-dasharray="6,4"' : ''
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`)
    if (s.dots) {
      for (const [x, y] of pts) parts.push(`<circle cx="${n(sx(x))}" cy="${n(sy(clamp(y, o.y.min, o.y.max)))}" r="2.5" fill="${color}"/>`)
    }
  })

  const legendX = MARGIN.left + 10
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!
    const y = MARGIN.top + 14 + i * 16
    const dash = s.dashed ? ' stroke-dasharray="6,4"' : ''
    parts.push(`<line x1="${legendX}" y1="${y}" x2="${legendX + 22}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/>`)
    parts.push(`<text x="${legendX + 28}" y="${y}" dominant-baseline="middle">${escapeXml(s.label)}</text>`)
  })
  return parts.join('')
}

function scale(axis: Axis, from: number, to: number): (v: number) => number {
  const f = axis.log ? Math.log10 : (v: number) => v
  const lo = f(axis.min)
  const hi = f(axis.max)
  return (v) => from + ((f(v) - lo) / (hi - lo)) * (to - from)
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v))
}

function n(v: number): string {
  return (Math.round(v * 100) / 100).toString()
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
