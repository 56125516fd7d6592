/**
 * Confidential computing end to end on a real slice of the Online Retail file: the gateway
 * writes the owner's de-identified dataset encrypted for enclaves; the simulated enclave runs
 * in its own process; keys are released only after attestation and the on-chain approval;
 * each job's result equals the same computation done plainly, is signed by the enclave's
 * session key and anchored with the measurement; the node never sees keys or plaintext cross
 * the boundary; production policy, unapproved builds and other measurements are refused.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createReadStream, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { recoverMessageAddress } from 'viem'
import { EnclaveRequestError, KeyReleaseRefusedError } from '../errors/tee.ts'
import { readCsvRecords } from '../import/csv.ts'
import { jobDigest, jobOf } from '../sdk/enclaves.ts'
import { onlineRetailMissing, onlineRetailSample } from '../testing/onlineRetail.ts'
import { worldCompute } from '../testing/tee.ts'
import { createWorld, type World } from '../testing/world.ts'
import type { ComputeService } from './ComputeService.ts'
import { buildEnclaveImage } from './image.ts'
import { audienceOverlap } from './jobs/audienceOverlap.ts'
import { dailySeries, predict, trainJointModel } from './jobs/forecast.ts'
import { OrderTableBuilder } from './jobs/orderTable.ts'
import { rfmTags, type TagSet } from './jobs/rfm.ts'
import { PSEUDONYM_KEY_ID } from './OwnerKeys.ts'
import { productionPolicy } from './policy.ts'
import { pseudonymiser } from './pseudonym.ts'
import { SimulatedEnclave } from './runtime/SimulatedEnclave.ts'

/** Every 15th row of the whole year: ~36,000 rows over every month (forecasting needs the dates). */
const EVERY = 15

/** The plain computation's input: the same rows, CustomerID through the owner's pseudonyms (or raw). */
async function plainTable(path: string, pseudonym: (id: string) => string, keep: (fields: string[]) => boolean = () => true) {
  const builder = new OrderTableBuilder()
  const { createReadStream: read } = await import('node:fs')
  async function* text() {
    for await (const chunk of read(path, 'utf8')) yield chunk as string
  }
  let first = true
  for await (const r of readCsvRecords(text())) {
    if (first) { first = false; continue }
    if (!r.fields || !keep(r.fields)) continue
    builder.add([...r.fields.slice(0, 6), pseudonym(r.fields[6]!), r.fields[7]!])
  }
  return builder.build()
}

describe('confidential computing on the Online Retail data', { skip: onlineRetailMissing }, () => {
  let w: World
  let compute: ComputeService
  let path: string
  let rows: number
  const masterKey = new Uint8Array(randomBytes(32))
  const traffic: { direction: string; bytes: Buffer }[] = []
  const rawIds = new Set<string>()
  const descriptions = new Set<string>()

  before(async () => {
    ;({ path, rows } = await onlineRetailSample({ every: EVERY }))
    w = await createWorld({ pricing: 'fixed' })
    const teeDir = mkdtempSync(join(tmpdir(), 'tee-node-'))
    const runtime = await SimulatedEnclave.launch({
      image: await buildEnclaveImage(),
      teeDir: join(teeDir, 'tee'),
      onTraffic: (direction, message) => traffic.push({ direction, bytes: Buffer.from(JSON.stringify(message, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))) }),
    })
    const { createSimulatedVerifier } = await import('./evidence/simulated.ts')
    compute = await worldCompute(w, { dataDir: teeDir, runtime, masterKey, hardwareVerifiers: { simulated: createSimulatedVerifier({ trustedPlatformKeys: [runtime.platformKey] }) } })
    for await (const r of readCsvRecords((async function* () { for await (const c of createReadStream(path, 'utf8')) yield c as string })())) {
      if (r.fields && r.line > 1) {
        if (r.fields[6]) rawIds.add(r.fields[6].replace(/\.0$/, ''))
        if (r.fields[2] && r.fields[2].length > 12) descriptions.add(r.fields[2])
      }
    }
  })
  after(() => compute?.close())

  test('gateway + RFM job: the enclave result equals the plain computation, is signed by the session key and anchored with the measurement', async () => {
    const imported = await compute.importDataset('alpha', { path, name: 'retail' })
    assert.equal(imported.rows + imported.badRowCount, rows)
    assert.ok(imported.rows > 30_000)
    const outcome = await compute.run({ kind: 'RfmTags', owner: 'alpha', dataset: 'retail' })
    const { tags } = outcome.value as { tags: TagSet; digest: string }
    const pseudonym = pseudonymiser(compute.owner('alpha').keys.get(PSEUDONYM_KEY_ID))
    const plain = rfmTags(await plainTable(path, pseudonym))
    assert.deepEqual(tags, JSON.parse(JSON.stringify(plain)))
    assert.ok(tags.customers.length > 500)
    assert.ok(tags.customers.every((c) => /^[0-9a-f]{32}$/.test(c.customer)), 'customers appear only as pseudonyms')

    const status = await compute.status()
    const record = await jobOf(w.client, outcome.result.jobId)
    assert.equal(record.resultHash, outcome.result.resultHash)
    assert.equal(record.measurementId, status.measurementId)
    assert.equal(record.kind, 'RfmTags')
    assert.equal(record.inputCommitment, outcome.result.inputCommitment)
    const digest = await jobDigest(w.client, { ...outcome.result, kind: 'RfmTags' })
    assert.equal(await recoverMessageAddress({ message: { raw: digest }, signature: outcome.result.signature }), record.enclaveKey)
    assert.ok(outcome.stagesMs.attestation > 0 && outcome.stagesMs.anchor > 0)
  })

  test('tag authenticity: the tag set the data yields is authentic; one changed tag is caught', async () => {
    const { value } = await compute.run({ kind: 'RfmTags', owner: 'alpha', dataset: 'retail' })
    const claimed = (value as { tags: TagSet }).tags
    const honest = await compute.run({ kind: 'TagAuthenticity', owner: 'alpha', dataset: 'retail', claimed })
    assert.equal((honest.value as { authentic: boolean }).authentic, true)
    const forged = structuredClone(claimed)
    forged.customers[3]!.segment = forged.customers[3]!.segment === 'Champions' ? 'Lost' : 'Champions'
    const caught = (await compute.run({ kind: 'TagAuthenticity', owner: 'alpha', dataset: 'retail', claimed: forged })).value as { authentic: boolean; mismatched: number; examples: { customer: string; field: string }[] }
    assert.equal(caught.authentic, false)
    assert.equal(caught.mismatched, 1)
    assert.deepEqual(caught.examples.map((e) => [e.customer, e.field]), [[forged.customers[3]!.customer, 'segment']])
  })

  test('audience overlap: counts equal the plain computation, no group below the minimum, too small an overlap refused', async () => {
    const ids = [...rawIds]
    const audience = [...ids.slice(0, 400), ...ids.slice(0, 50), ...Array.from({ length: 100 }, (_v, i) => `99${String(i).padStart(4, '0')}`)]
    await compute.writeAudience('beta', 'newsletter', audience)
    const minGroupSize = 25
    // A buyer's list is released by the buyer, the dataset and pseudonym key by the seller.
    const outcome = await compute.run({ kind: 'AudienceOverlap', owner: 'alpha', dataset: 'retail', buyer: 'beta', audience: 'newsletter', minGroupSize, groupBy: 'segment' })
    const report = outcome.value as ReturnType<typeof audienceOverlap>
    const pseudonym = pseudonymiser(compute.owner('alpha').keys.get(PSEUDONYM_KEY_ID))
    const plain = audienceOverlap(rfmTags(await plainTable(path, pseudonym)), audience.map(pseudonym), { minGroupSize, groupBy: 'segment' })
    assert.deepEqual(report, JSON.parse(JSON.stringify(plain)))
    assert.ok(report.overlap >= minGroupSize && report.overlap <= 400)
    for (const g of report.groups) assert.ok(g.suppressed ? g.count === undefined : g.count! >= minGroupSize, JSON.stringify(g))
    assert.ok(!JSON.stringify(report).match(/[0-9a-f]{32}/), 'no pseudonym in the answer')

    await compute.writeAudience('beta', 'tiny', ids.slice(0, 30))
    await assert.rejects(
      compute.run({ kind: 'AudienceOverlap', owner: 'alpha', dataset: 'retail', buyer: 'beta', audience: 'tiny', minGroupSize: 50, groupBy: 'segment' }),
      (e: unknown) => e instanceof EnclaveRequestError && e.enclaveErrorName === 'AudienceTooSmallError',
    )
  })

  test('joint forecasting: trained over two members, sealed in the enclave, predictions equal the plain model; another build cannot unseal it', async () => {
    const uk = (f: readonly string[]) => f[7] === 'United Kingdom'
    await compute.importDataset('alpha', { path, name: 'uk', keep: uk })
    await compute.importDataset('gamma', { path, name: 'export', keep: (f) => !uk(f) })
    const trained = await compute.run({ kind: 'ForecastTraining', datasets: [{ owner: 'alpha', dataset: 'uk', member: 'alpha' }, { owner: 'gamma', dataset: 'export', member: 'gamma' }], groupBy: 'all', modelName: 'joint', holdoutDays: 14 })
    const summary = trained.value as { members: string[]; modelHash: string }
    assert.deepEqual(summary.members, ['alpha', 'gamma'])
    assert.ok(!('weights' in (trained.value as object)), 'the model stays in the enclave')

    const served = await compute.run({ kind: 'ForecastPrediction', modelName: 'joint', member: 'gamma', horizon: 7 })
    const forecast = (served.value as { forecast: unknown }).forecast
    const raw = (id: string) => id
    const series = [
      ...dailySeries(await plainTable(path, raw, (f) => uk(f)), { groupBy: 'all' }).map((s) => ({ ...s, member: 'alpha' })),
      ...dailySeries(await plainTable(path, raw, (f) => !uk(f)), { groupBy: 'all' }).map((s) => ({ ...s, member: 'gamma' })),
    ]
    assert.deepEqual(forecast, JSON.parse(JSON.stringify(predict(trainJointModel(series, {}), 'gamma', 7))))

    // A different build (another measurement) on the same platform cannot open the sealed model.
    const other = await SimulatedEnclave.launch({ image: await buildEnclaveImage({ path: join(mkdtempSync(join(tmpdir(), 'img-')), 'v2.mjs'), banner: 'v2' }), teeDir: compute.teeDir })
    try {
      assert.notEqual(other.reportedMeasurement, compute.runtime.reportedMeasurement)
      await other.attest(new Uint8Array(32))
      await assert.rejects(
        other.run({ jobId: `0x${'11'.repeat(32)}`, inputs: { kind: 'ForecastPrediction', modelName: 'joint', member: 'gamma', horizon: 7 }, chainId: 1, registry: w.deployment.enclaves }),
        (e: unknown) => e instanceof EnclaveRequestError && /does not open under this enclave's measurement/.test(e.message),
      )
    } finally {
      await other.close()
    }
  })

  test('the node never sees a key or plaintext cross the boundary, and the interface offers no way to get them', async () => {
    assert.ok(traffic.length > 20)
    const all = Buffer.concat(traffic.map((t) => t.bytes)).toString('utf8')
    for (const [org, keyId] of [['alpha', 'dataset-retail'], ['alpha', PSEUDONYM_KEY_ID], ['beta', 'audience-newsletter'], ['gamma', 'dataset-export']] as const) {
      const key = Buffer.from(compute.owner(org).keys.get(keyId)).toString('hex')
      assert.ok(!all.includes(key), `the ${keyId} key of ${org} never crosses in the clear`)
    }
    // Every string and number that crossed, as a set (a substring search per id would take long).
    const crossed = new Set<string>()
    for (const m of all.matchAll(/"((?:[^"\\]|\\.)*)"|(?<![\w.])(\d+)(?![\w.])/g)) crossed.add(m[1] ?? m[2]!)
    assert.ok(crossed.size > 1000)
    assert.deepEqual([...rawIds].filter((id) => crossed.has(id)), [], 'no raw customer id crosses')
    assert.deepEqual([...descriptions].filter((d) => crossed.has(d)), [], 'no product line of the raw data crosses')
    assert.notEqual(compute.runtime instanceof SimulatedEnclave ? compute.runtime.pid : undefined, process.pid)
    // Everything the node can call on an enclave: no getter of keys, sessions or inputs.
    assert.deepEqual(Object.getOwnPropertyNames(SimulatedEnclave.prototype).sort(), ['attest', 'close', 'constructor', 'pid', 'quote', 'release', 'run'])
  })

  test('refused: simulated evidence under the production policy (nothing released), a build governance never approved', async () => {
    const { ComputeService } = await import('./ComputeService.ts')
    const strict = await worldCompute(w, { dataDir: compute.teeDir.replace(/\/tee$/, ''), masterKey, policy: productionPolicy, registrar: undefined })
    try {
      await assert.rejects(strict.run({ kind: 'RfmTags', owner: 'alpha', dataset: 'retail' }), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'simulated')
      assert.match((await strict.status()).warning!, /production policy refuses simulated evidence/)
    } finally {
      await strict.close()
    }
    const unapproved = await ComputeService.open({
      dataDir: compute.teeDir.replace(/\/tee$/, ''),
      client: w.client,
      computeKey: w.governance.account,
      masterKey: new Uint8Array(32),
      policy: compute.policy,
      image: await buildEnclaveImage({ path: join(mkdtempSync(join(tmpdir(), 'img-')), 'v3.mjs'), banner: 'unapproved v3' }),
    })
    try {
      assert.deepEqual((await unapproved.status()).approvedFor, [])
      await assert.rejects(unapproved.run({ kind: 'ForecastPrediction', modelName: 'joint', member: 'gamma', horizon: 3 }), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'measurement')
    } finally {
      await unapproved.close()
    }
  })
})
