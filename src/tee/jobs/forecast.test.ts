import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { JobParameterError, SingularSystemError } from './errors.ts'
import { backtest, dailySeries, predict, trainJointModel } from './forecast.ts'
import { OrderTableBuilder } from './orderTable.ts'
import { choleskySolve } from './ridge.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

describe('choleskySolve', () => {
  it('solves random well-conditioned SPD systems (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n * n, maxLength: n * n }), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }))), ([n, m, b]) => {
        // A = MᵀM + n·I is symmetric positive definite and well conditioned
        const a = new Float64Array(n * n)
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let s = i === j ? n : 0
          for (let k = 0; k < n; k++) s += m[k * n + i]! * m[k * n + j]!
          a[i * n + j] = s
        }
        const x = choleskySolve(a, new Float64Array(b), n)
        for (let i = 0; i < n; i++) {
          let s = 0
          for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!
          assert.ok(Math.abs(s - b[i]!) < 1e-8 * (1 + Math.abs(b[i]!)), `row ${i}: ${s} vs ${b[i]}`)
        }
      }),
    )
  })
  it('refuses a matrix that is not positive definite', () => {
    assert.throws(() => choleskySolve(new Float64Array([1, 2, 2, 1]), new Float64Array([1, 1]), 2), SingularSystemError)
  })
})

const day = (iso: string, h = 10) => `${iso} ${String(h).padStart(2, '0')}:00:00`
const line = (inv: string, date: string, qty: number, price: number, country: string) => [inv, 'X', 'PARTY BUNTING', String(qty), date, price.toFixed(2), '', country]

describe('dailySeries', () => {
  it('sums net revenue per UTC day and country, zero-filled over the table’s range, without A adjustments', () => {
    const b = new OrderTableBuilder()
    for (const r of [
      line('500001', day('2011-01-01', 23), 2, 5, 'France'),
      line('C500002', day('2011-01-01'), -1, 5, 'France'),
      line('A500003', day('2011-01-02'), 1, 11062.06, 'France'),
      line('500004', day('2011-01-04', 0), 3, 1.25, 'EIRE'),
    ])
      b.add(r)
    const t = b.build()
    assert.deepEqual(dailySeries(t, { groupBy: 'country' }), [
      { member: 'EIRE', start: '2011-01-01', values: [0, 0, 0, 3.75] },
      { member: 'France', start: '2011-01-01', values: [5, 0, 0, 0] },
    ])
    assert.deepEqual(dailySeries(t, { groupBy: 'all' }), [{ member: 'all', start: '2011-01-01', values: [5, 0, 0, 3.75] }])
  })
})

/** A series with a weekly rhythm and persistence: y = weekly[dow] + 0.5 y[t-1] (+ noise). */
function synthetic(member: string, level: number, days: number, noise = 0) {
  const weekly = [0, 1, 1.2, 1.1, 1.3, 1.5, 0.2]
  const values: number[] = []
  let rand = 12345
  for (let t = 0; t < days; t++) {
    rand = (rand * 1103515245 + 12345) % 2 ** 31
    const prev = t > 0 ? values[t - 1]! / level : 0
    values.push(level * (weekly[(t + 6) % 7]! + 0.5 * prev + noise * (rand / 2 ** 31 - 0.5)))
  }
  return { member, start: '2011-01-02', values } // 2011-01-02 was a Sunday: index t has weekday t % 7
}

describe('trainJointModel / predict / backtest', () => {
  it('recovers a known autoregression shared by members of different size', () => {
    // the noise is the innovation: without it the series turns exactly periodic and lag 1, lag 7 and weekday are collinear
    const series = [synthetic('big', 10_000, 700, 0.6), synthetic('small', 10, 700, 0.6)]
    const model = trainJointModel(series, { lags: [1, 7], ridge: 1e-6 })
    assert.ok(Math.abs(model.weights[0]! - 0.5) < 0.05, `lag-1 weight ${model.weights[0]}`)
    assert.ok(Math.abs(model.weights[1]!) < 0.05, `lag-7 weight ${model.weights[1]}`)
    const f = predict(model, 'small', 3)
    assert.deepEqual(f.map((p) => p.date), ['2012-12-02', '2012-12-03', '2012-12-04'])
    const big = predict(model, 'big', 3)
    big.forEach((p, i) => assert.ok(Math.abs(p.value / 1000 - f[i]!.value) < 0.05, 'same shape at both scales'))
    assert.deepEqual(JSON.parse(JSON.stringify(model)), model, 'JSON-safe')
    const report = backtest(series, { lags: [1, 7], ridge: 1e-6 }, 14)
    assert.equal(report.modelBeatsNaive.mae, true)
    assert.equal(report.members.length, 2)
  })
  it('refuses bad parameters with the reason', () => {
    const s = [synthetic('a', 1, 30)]
    assert.throws(() => trainJointModel(s, { lags: [0] }), JobParameterError)
    assert.throws(() => trainJointModel(s, { ridge: 0 }), /ridge/)
    assert.throws(() => trainJointModel([...s, ...s]), /appears twice/)
    assert.throws(() => trainJointModel([synthetic('a', 1, 10)]), /not more than the largest lag 14/)
    const model = trainJointModel(s)
    assert.throws(() => predict(model, 'b', 1), /not trained on "b"/)
    assert.throws(() => predict(model, 'a', 0), /horizon/)
    assert.throws(() => backtest(s, {}, 0), /holdoutDays/)
  })
  it('runs on the first 20,000 real rows per country against a plain reference of daily sums', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    const rows = await onlineRetailRows(20_000)
    const b = new OrderTableBuilder()
    for (const r of rows) b.add(r)
    const series = dailySeries(b.build(), { groupBy: 'country' })
    const ref: Record<string, Record<string, number>> = {}
    for (const r of rows) {
      if (r[0]!.startsWith('A')) continue
      const d = r[4]!.slice(0, 10)
      ;(ref[r[7]!] ??= {})[d] = (ref[r[7]!]![d] ?? 0) + Number(r[3]) * Number(r[5])
    }
    assert.deepEqual(series.map((s) => s.member), Object.keys(ref).sort())
    for (const s of series) {
      s.values.forEach((v, i) => {
        const d = new Date(Date.parse(`${s.start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10)
        assert.ok(Math.abs(v - (ref[s.member]![d] ?? 0)) < 0.006, `${s.member} ${d}`)
      })
    }
  })
})
