/**
 * The jobs as the enclave runs them: open the released inputs, run the pure computation
 * (`src/tee/jobs/`), return the result as JSON-safe data. Runs only inside the enclave
 * process; plaintext exists only here.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { audienceOverlap } from '../jobs/audienceOverlap.ts'
import { backtest, dailySeries, predict, trainJointModel, type ForecastModel, type MemberSeries } from '../jobs/forecast.ts'
import { decodeOrderTable } from '../jobs/orderTableCodec.ts'
import type { OrderTable } from '../jobs/orderTable.ts'
import { rfmTags, tagSetDigest, type TagSet } from '../jobs/rfm.ts'
import { verifyTagSet } from '../jobs/tagAuthenticity.ts'
import { decryptEnclaveFile } from '../enclaveFile.ts'
import { pseudonymiser } from '../pseudonym.ts'
import type { EncryptedInput, JobInputs } from './protocol.ts'
import type { SealedStore } from './sealing.ts'

export interface JobContext {
  keys: ReadonlyMap<string, Uint8Array>
  sealed: SealedStore
  /** Time of each step, filled as the job runs. */
  timings: Record<string, number>
  /** Plaintext hashes of the inputs opened, in order (filled as the job runs). */
  inputHashes: string[]
}

function timed<T>(ctx: JobContext, step: string, fn: () => T): T {
  const t0 = performance.now()
  try {
    return fn()
  } finally {
    ctx.timings[step] = (ctx.timings[step] ?? 0) + performance.now() - t0
  }
}

function keyOf(ctx: JobContext, keyId: string): Uint8Array {
  const key = ctx.keys.get(keyId)
  if (!key) throw new Error(`no key "${keyId}" was released to this enclave session`)
  return key
}

function open(ctx: JobContext, input: EncryptedInput, kind: 'orders' | 'audience') {
  const bytes = timed(ctx, 'read', () => readFileSync(input.path))
  const { header, plaintext } = timed(ctx, 'decrypt', () => decryptEnclaveFile(bytes, keyOf(ctx, input.keyId)))
  if (header.kind !== kind) throw new Error(`${input.path} holds ${header.kind}, not ${kind}`)
  ctx.inputHashes.push(header.contentHash)
  return plaintext
}

function ordersOf(ctx: JobContext, input: EncryptedInput): OrderTable {
  const plaintext = open(ctx, input, 'orders')
  return timed(ctx, 'decode', () => decodeOrderTable(new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)))
}

const sha256Hex = (bytes: Uint8Array) => `0x${createHash('sha256').update(bytes).digest('hex')}`

const modelStateName = (modelName: string) => `forecast-${modelName}`

/** Runs one job; returns the JSON-safe result. */
export function runJob(ctx: JobContext, inputs: JobInputs): unknown {
  switch (inputs.kind) {
    case 'RfmTags': {
      const table = ordersOf(ctx, inputs.dataset)
      const tags = timed(ctx, 'compute', () => rfmTags(table, inputs.referenceTime === undefined ? {} : { referenceTime: inputs.referenceTime }))
      return { tags, digest: tagSetDigest(tags) }
    }
    case 'TagAuthenticity': {
      const table = ordersOf(ctx, inputs.dataset)
      return timed(ctx, 'compute', () => verifyTagSet(table, inputs.claimed as TagSet))
    }
    case 'AudienceOverlap': {
      const table = ordersOf(ctx, inputs.dataset)
      const list = JSON.parse(open(ctx, inputs.audience, 'audience').toString('utf8')) as unknown
      if (!Array.isArray(list) || !list.every((id) => typeof id === 'string')) throw new Error('the audience list must be a JSON array of customer id strings')
      const pseudonym = pseudonymiser(keyOf(ctx, inputs.pseudonymKeyId))
      return timed(ctx, 'compute', () => {
        const tags = rfmTags(table, {})
        return audienceOverlap(tags, list.map(pseudonym).filter((p) => p !== ''), { minGroupSize: inputs.minGroupSize, groupBy: inputs.groupBy })
      })
    }
    case 'ForecastTraining': {
      const series: MemberSeries[] = []
      for (const d of inputs.datasets) {
        const table = ordersOf(ctx, d)
        for (const s of dailySeries(table, { groupBy: inputs.groupBy })) {
          series.push({ ...s, member: inputs.groupBy === 'all' ? d.member : `${d.member}/${s.member}` })
        }
      }
      const { model, report } = timed(ctx, 'compute', () => ({
        model: trainJointModel(series, {}),
        report: backtest(series, {}, inputs.holdoutDays ?? 28),
      }))
      const modelBytes = new TextEncoder().encode(JSON.stringify(model))
      timed(ctx, 'seal', () => ctx.sealed.seal(modelStateName(inputs.modelName), modelBytes))
      // The model stays sealed in the enclave; its hash links the predictions served from it.
      return { modelName: inputs.modelName, modelHash: sha256Hex(modelBytes), members: series.map((s) => s.member), backtest: report }
    }
    case 'ForecastPrediction': {
      const modelBytes = timed(ctx, 'unseal', () => ctx.sealed.unseal(modelStateName(inputs.modelName)))
      ctx.inputHashes.push(sha256Hex(modelBytes))
      const model = JSON.parse(modelBytes.toString('utf8')) as ForecastModel
      const forecast = timed(ctx, 'compute', () => predict(model, inputs.member, inputs.horizon))
      return { modelName: inputs.modelName, member: inputs.member, horizon: inputs.horizon, forecast }
    }
  }
}
