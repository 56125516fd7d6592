/**
 * Joint time-series forecasting (seed 004): several members' daily sales train one model
 * inside the enclave — no member sees another's series — and the sealed model then serves
 * predictions. The model is a pooled ridge-regression autoregression: each member's series is
 * divided by its own mean absolute value, so a small shop and a large one share the same
 * weights (the shape of demand: weekly rhythm, persistence) while keeping their own level.
 *
 *   ŷ[t] / s_m = Σ_l w_l · y[t−l] / s_m + Σ_d v_d · [weekday(t) = d]      (l in lags, d in 0..6)
 *
 * fitted by minimising Σ (residual²) + λ‖(w, v)‖² over every member's days at once. The
 * README reports the backtest on the real file against the seasonal-naive baseline.
 */
import { JobParameterError } from './errors.ts'
import { DAY_MS, type OrderTable } from './orderTable.ts'
import { RidgeAccumulator } from './ridge.ts'

export interface MemberSeries {
  member: string
  /** UTC date of values[0], `YYYY-MM-DD`. */
  start: string
  /** Net revenue per UTC day, dense (a day without rows is 0). */
  values: number[]
}

export interface TrainOptions {
  /** Days back used as features; default [1, 2, 3, 4, 5, 6, 7, 14]. */
  lags?: number[] | undefined
  /** Ridge penalty λ on all weights; default 1. */
  ridge?: number | undefined
}

export interface ForecastModel {
  version: 1
  lags: number[]
  ridge: number
  /** Lag weights (in `lags` order), then the seven weekday terms (Sunday first). */
  weights: number[]
  members: { member: string; scale: number; lastDate: string; history: number[] }[]
  metrics: { samples: number; trainMae: number; trainRmse: number }
}

export interface ForecastPoint {
  date: string
  value: number
}

export const DEFAULT_LAGS = [1, 2, 3, 4, 5, 6, 7, 14]
export const DEFAULT_RIDGE = 1

const dayOf = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)
/** 0 = Sunday (epoch day 0, 1970-01-01, was a Thursday). */
const weekday = (day: number) => (((day + 4) % 7) + 7) % 7
const cents = (v: number) => Math.round(v * 100) / 100

/**
 * Net revenue per UTC day: Σ quantity × unitPrice over sales and cancellations (negative
 * quantities), leaving out `A…` bad-debt adjustments (accounting entries, not trade). Every
 * member's series covers the table's whole day range, so members line up day by day.
 *
 * @example
 * dailySeries(table, { groupBy: 'country' }) // [{ member: 'Australia', start: '2010-12-01', values: [0, 0, 358.25, …] }, …]
 */
export function dailySeries(table: OrderTable, options: { groupBy: 'country' | 'all' }): MemberSeries[] {
  if (table.rows === 0) return []
  let first = Infinity
  let last = -Infinity
  for (let r = 0; r < table.rows; r++) {
    const d = Math.floor(table.time[r]! / DAY_MS)
    if (d < first) first = d
    if (d > last) last = d
  }
  const days = last - first + 1
  const groups = options.groupBy === 'all' ? 1 : table.countries.length
  const sums = new Float64Array(groups * days)
  const present = new Uint8Array(groups)
  const adjustment = table.invoices.map((i) => i.charCodeAt(0) === 65 /* A */)
  for (let r = 0; r < table.rows; r++) {
    if (adjustment[table.invoice[r]!]) continue
    const g = options.groupBy === 'all' ? 0 : table.country[r]!
    present[g] = 1
    sums[g * days + Math.floor(table.time[r]! / DAY_MS) - first]! += table.quantity[r]! * table.unitPrice[r]!
  }
  const out: MemberSeries[] = []
  for (let g = 0; g < groups; g++) {
    if (!present[g]) continue
    const values = Array.from(sums.subarray(g * days, (g + 1) * days), cents)
    out.push({ member: options.groupBy === 'all' ? 'all' : table.countries[g]!, start: isoOf(first), values })
  }
  return out.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0))
}

function checkOptions(options: TrainOptions): { lags: number[]; ridge: number } {
  const lags = options.lags ?? DEFAULT_LAGS
  const ridge = options.ridge ?? DEFAULT_RIDGE
  if (lags.length === 0 || !lags.every((l) => Number.isSafeInteger(l) && l >= 1 && l <= 366) || new Set(lags).size !== lags.length)
    throw new JobParameterError({ parameter: 'lags', reason: `must be distinct integers 1-366, got ${JSON.stringify(lags)}` })
  if (!(ridge > 0) || !Number.isFinite(ridge)) throw new JobParameterError({ parameter: 'ridge', reason: `must be a finite number > 0, got ${ridge}` })
  return { lags, ridge }
}

/** The feature row for day `day` of a scaled series whose value at index i is y[i] (`t` = index of day). */
function features(lags: number[], y: ArrayLike<number>, t: number, day: number, out: Float64Array): Float64Array {
  out.fill(0)
  for (let k = 0; k < lags.length; k++) out[k] = y[t - lags[k]!]!
  out[lags.length + weekday(day)] = 1
  return out
}

function scaleOf(values: readonly number[]): number {
  let s = 0
  for (const v of values) s += Math.abs(v)
  return s > 0 ? s / values.length : 1
}

/**
 * @throws {JobParameterError} bad lags or λ, a member twice, a series not longer than the largest lag
 * @example
 * const model = trainJointModel(series, { lags: [1, 7, 14], ridge: 1 })
 */
export function trainJointModel(series: readonly MemberSeries[], options: TrainOptions = {}): ForecastModel {
  const { lags, ridge } = checkOptions(options)
  const maxLag = Math.max(...lags)
  if (series.length === 0) throw new JobParameterError({ parameter: 'series', reason: 'no member series to train on' })
  const names = new Set<string>()
  const acc = new RidgeAccumulator(lags.length + 7)
  const x = new Float64Array(lags.length + 7)
  const scaled: { y: number[]; start: number }[] = []
  const members: ForecastModel['members'] = []
  for (const s of series) {
    if (names.has(s.member)) throw new JobParameterError({ parameter: 'series', reason: `member ${JSON.stringify(s.member)} appears twice` })
    names.add(s.member)
    if (s.values.length <= maxLag) throw new JobParameterError({ parameter: 'series', reason: `member ${JSON.stringify(s.member)} has ${s.values.length} days, not more than the largest lag ${maxLag}` })
    const scale = scaleOf(s.values)
    const y = s.values.map((v) => v / scale)
    const start = dayOf(s.start)
    for (let t = maxLag; t < y.length; t++) acc.add(features(lags, y, t, start + t, x), y[t]!)
    scaled.push({ y, start })
    members.push({ member: s.member, scale, lastDate: isoOf(start + s.values.length - 1), history: s.values.slice(-maxLag) })
  }
  const w = acc.solve(ridge)
  let abs = 0
  let sq = 0
  for (const { y, start } of scaled) {
    for (let t = maxLag; t < y.length; t++) {
      features(lags, y, t, start + t, x)
      let p = 0
      for (let k = 0; k < w.length; k++) p += w[k]! * x[k]!
      abs += Math.abs(p - y[t]!)
      sq += (p - y[t]!) ** 2
    }
  }
  return { version: 1, lags, ridge, weights: Array.from(w), members, metrics: { samples: acc.samples, trainMae: abs / acc.samples, trainRmse: Math.sqrt(sq / acc.samples) } }
}

/**
 * Forecasts the `horizon` days after the member's last day, recursively (each predicted day
 * becomes a lag of the next).
 *
 * @throws {JobParameterError} unknown member, horizon not an integer 1-366
 * @example
 * predict(model, 'United Kingdom', 7) // [{ date: '2011-12-10', value: 1234.5 }, …]
 */
export function predict(model: ForecastModel, member: string, horizon: number): ForecastPoint[] {
  if (!Number.isSafeInteger(horizon) || horizon < 1 || horizon > 366) throw new JobParameterError({ parameter: 'horizon', reason: `must be an integer 1-366, got ${horizon}` })
  const m = model.members.find((x) => x.member === member)
  if (!m) throw new JobParameterError({ parameter: 'member', reason: `the model was not trained on ${JSON.stringify(member)}` })
  const maxLag = Math.max(...model.lags)
  const y = m.history.map((v) => v / m.scale)
  const x = new Float64Array(model.lags.length + 7)
  const lastDay = dayOf(m.lastDate)
  const out: ForecastPoint[] = []
  for (let h = 1; h <= horizon; h++) {
    const t = maxLag + h - 1
    features(model.lags, y, t, lastDay + h, x)
    let p = 0
    for (let k = 0; k < model.weights.length; k++) p += model.weights[k]! * x[k]!
    y.push(p)
    out.push({ date: isoOf(lastDay + h), value: cents(p * m.scale) })
  }
  return out
}

export interface ErrorMetrics {
  /** Mean absolute error, in revenue units. */
  mae: number
  /** Symmetric MAPE as a fraction 0-2: mean of 2|F − A| / (|F| + |A|), 0 on days where both are 0. */
  smape: number
}

export interface BacktestReport {
  holdoutDays: number
  members: { member: string; model: ErrorMetrics; naive: ErrorMetrics }[]
  /** Over every member-day pooled (MAE therefore weighs large members most). */
  overall: { model: ErrorMetrics; naive: ErrorMetrics }
  /** Mean over members of MAE / member scale: a size-free comparison where each member counts once. */
  scaledMae: { model: number; naive: number }
  modelBeatsNaive: { mae: boolean; smape: boolean; scaledMae: boolean }
}

function metrics(pairs: [number, number][]): ErrorMetrics {
  let abs = 0
  let sm = 0
  for (const [f, a] of pairs) {
    abs += Math.abs(f - a)
    const d = Math.abs(f) + Math.abs(a)
    sm += d === 0 ? 0 : (2 * Math.abs(f - a)) / d
  }
  return { mae: abs / pairs.length, smape: sm / pairs.length }
}

/**
 * Trains on each series without its last `holdoutDays` days and scores the recursive forecast
 * of those days against seasonal-naive (the last observed week repeated:
 * ŷ[T+h] = y[T+h−7·⌈h/7⌉]), both on the same held-out days.
 *
 * @throws {JobParameterError} holdoutDays not an integer >= 1, or a series too short to hold it out
 * @example
 * backtest(dailySeries(table, { groupBy: 'country' }), {}, 28).modelBeatsNaive
 */
export function backtest(series: readonly MemberSeries[], options: TrainOptions = {}, holdoutDays = 28): BacktestReport {
  if (!Number.isSafeInteger(holdoutDays) || holdoutDays < 1) throw new JobParameterError({ parameter: 'holdoutDays', reason: `must be an integer >= 1, got ${holdoutDays}` })
  const train = series.map((s) => {
    if (s.values.length < holdoutDays + 7) throw new JobParameterError({ parameter: 'holdoutDays', reason: `member ${JSON.stringify(s.member)} has ${s.values.length} days, too few to hold out ${holdoutDays}` })
    return { ...s, values: s.values.slice(0, s.values.length - holdoutDays) }
  })
  const model = trainJointModel(train, options)
  const all: { model: [number, number][]; naive: [number, number][] } = { model: [], naive: [] }
  const members: BacktestReport['members'] = []
  let scaledModel = 0
  let scaledNaive = 0
  series.forEach((s, i) => {
    const T = train[i]!.values.length
    const forecast = predict(model, s.member, holdoutDays)
    const m: [number, number][] = []
    const n: [number, number][] = []
    for (let h = 1; h <= holdoutDays; h++) {
      const actual = s.values[T + h - 1]!
      m.push([forecast[h - 1]!.value, actual])
      n.push([s.values[T + h - 1 - 7 * Math.ceil(h / 7)]!, actual])
    }
    all.model.push(...m)
    all.naive.push(...n)
    const mm = metrics(m)
    const nm = metrics(n)
    const scale = model.members[i]!.scale
    scaledModel += mm.mae / scale
    scaledNaive += nm.mae / scale
    members.push({ member: s.member, model: mm, naive: nm })
  })
  const overall = { model: metrics(all.model), naive: metrics(all.naive) }
  const scaledMae = { model: scaledModel / series.length, naive: scaledNaive / series.length }
  return {
    holdoutDays,
    members,
    overall,
    scaledMae,
    modelBeatsNaive: { mae: overall.model.mae < overall.naive.mae, smape: overall.model.smape < overall.naive.smape, scaledMae: scaledMae.model < scaledMae.naive },
  }
}
