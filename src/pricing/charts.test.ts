import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pricingFigures, priceVersusRatioFigure } from './charts.ts'
import { reproduceSeed001 } from './reproduction.ts'
import { escapeXml, lineChart } from './svg.ts'

/** Every opened tag is closed in order and every & starts an entity. */
function assertWellFormed(svg: string): void {
  const stack: string[] = []
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)\b[^>]*?(\/?)>/g)) {
    if (selfClosing) continue
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`)
    else stack.push(name!)
  }
  assert.deepEqual(stack, [])
  assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot);)/)
}

describe('pricing figures', () => {
  const figures = pricingFigures(reproduceSeed001())

  test('are three well-formed SVG documents', () => {
    assert.deepEqual(figures.map((f) => f.name), ['price-vs-ratio.svg', 'price-per-round.svg', 'seed-vs-improved.svg'])
    for (const f of figures) {
      assert.match(f.svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="\d+"/)
      assertWellFormed(f.svg)
      assert.doesNotMatch(f.svg, /NaN|Infinity|undefined/)
    }
  })

  test('draw one line per k and per rule', () => {
    const paths = (svg: string) => svg.match(/<path /g)?.length ?? 0
    assert.equal(paths(figures[0]!.svg), 5) // k = 1, 3, 5, 7, 9
    assert.equal(paths(figures[1]!.svg), 8) // price and log10 R for k = 3, 5, 7, 9
    assert.equal(paths(figures[2]!.svg), 8) // 4 panels x (seed, improved)
    assert.match(figures[1]!.svg, /k = 3: converged in round 13/)
    assert.match(figures[2]!.svg, /improved: converged in round 4/)
  })

  test('price against R saturates at the bounds and crosses p_balance at R = 1', () => {
    const svg = priceVersusRatioFigure({ pBalance: 150, pVol: 50, k: 3, logRatioBound: 0.42 }, [3]).svg
    const path = /<path d="([^"]+)"/.exec(svg)![1]!
    const ys = [...path.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]))
    assert.equal(ys[0], Math.max(...ys)) // R = 0.1: the floor (largest y on screen)
    assert.equal(ys.at(-1), Math.min(...ys)) // R = 10: the ceiling
  })
})

describe('svg', () => {
  test('escapes text', () => {
    assert.equal(escapeXml('a < b & "c" > d'), 'a &lt; b &amp; &quot;c&quot; &gt; d')
    const svg = lineChart({
      title: 'R < 1 & "D" > 0',
      x: { label: 'x', min: 0, max: 1, ticks: [0, 1] },
      y: { label: 'y', min: 0, max: 1, ticks: [0, 1] },
      series: [{ label: '<k>', points: [[0, 0], [1, 1]] }],
    })
    assertWellFormed(svg)
    assert.match(svg, /R &lt; 1 &amp; &quot;D&quot; &gt; 0/)
  })
})
