/**
 * The confidential-computing routes: status says SIMULATED and names the policy; jobs run only
 * at the signed request of the organisation whose keys they release, are anchored and readable
 * back from the chain; job offers and a job bought as a trade; every refusal as a 4xx naming
 * what is wrong, and 503 on a node without an enclave runtime.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { hexToBytes, parseEther, type Hex } from 'viem'
import { eciesDecrypt } from '../../identity/ecies.ts'
import { onlineRetailMissing, onlineRetailSample } from '../../testing/onlineRetail.ts'
import { newToken } from '../../testing/world.ts'
import { createApiWorld, json, type ApiWorld } from '../testing/apiWorld.ts'

describe('tee routes', { skip: onlineRetailMissing }, () => {
  let a: ApiWorld
  let customers: string[]
  before(async () => {
    a = await createApiWorld({ pricing: 'fixed', compute: true, storage: true })
    const data = await onlineRetailSample({ every: 40 })
    customers = data.customers
    await a.deps.compute!.importDataset('alpha', { path: data.path, name: 'retail' })
  })
  after(() => a?.close())

  test('status: SIMULATED, the policy, the measurement approved for every job kind', async () => {
    const res = await a.send('GET', '/v1/tee/status')
    assert.equal(res.status, 200)
    const s = await json(res)
    assert.equal(s.simulated, true)
    assert.equal(s.policy, 'embedded-development')
    assert.match(s.warning, /SIMULATED/)
    assert.deepEqual(s.approvedFor, ['RfmTags', 'TagAuthenticity', 'AudienceOverlap', 'ForecastTraining', 'ForecastPrediction'])
    const m = await json(await a.send('GET', `/v1/tee/measurements/${s.measurementId}`))
    assert.equal(m.status, 'Approved')
  })

  test('a job at the owner\'s signed request runs, is anchored and can be read back; others are refused', async () => {
    const res = await a.send('POST', '/v1/tee/jobs', { as: a.keys.seller, body: { kind: 'RfmTags', owner: 'alpha', dataset: 'retail' } })
    assert.equal(res.status, 200, await res.clone().text())
    const r = await json(res)
    assert.equal(r.simulated, true)
    assert.ok(r.result.tags.customers.length > 100)
    const record = await json(await a.send('GET', `/v1/tee/jobs/${r.jobId}`))
    assert.equal(record.resultHash, r.resultHash)
    assert.equal(record.kind, 'RfmTags')

    assert.equal((await a.send('POST', '/v1/tee/jobs', { body: { kind: 'RfmTags', owner: 'alpha', dataset: 'retail' } })).status, 401)
    const foreign = await a.send('POST', '/v1/tee/jobs', { as: a.keys.buyer, body: { kind: 'RfmTags', owner: 'alpha', dataset: 'retail' } })
    assert.equal(foreign.status, 403)
    assert.equal((await json(foreign)).error.reason, 'not-owner')
    assert.equal((await a.send('POST', '/v1/tee/jobs', { as: a.keys.stranger, body: { kind: 'RfmTags', owner: 'alpha', dataset: 'retail' } })).status, 403)
    const missing = await a.send('POST', '/v1/tee/jobs', { as: a.keys.seller, body: { kind: 'RfmTags', owner: 'alpha', dataset: 'nothing' } })
    assert.equal(missing.status, 404)
    assert.match((await json(missing)).error.message, /No dataset nothing/)
    for (const body of [{ kind: 'RfmTags', owner: 'alpha' }, { kind: 'Mining', owner: 'alpha', dataset: 'retail' }, { kind: 'RfmTags', owner: '../x', dataset: 'retail' }, { kind: 'AudienceOverlap', owner: 'alpha', dataset: 'retail', buyer: 'alpha', audience: 'x', minGroupSize: 1, groupBy: 'segment' }]) {
      const bad = await a.send('POST', '/v1/tee/jobs', { as: a.keys.seller, body })
      assert.equal(bad.status, 400, JSON.stringify(body))
    }
    assert.equal((await a.send('GET', `/v1/tee/jobs/0x${'ab'.repeat(32)}`)).status, 404)
    assert.equal((await a.send('GET', '/v1/tee/jobs/0x12')).status, 400)
  })

  test('a job offer listed, ordered, run for the buyer and delivered sealed to it', async () => {
    const offered = await a.send('POST', '/v1/tee/offers', { as: a.keys.seller, body: { kind: 'AudienceOverlap', dataset: 'retail', minGroupSize: 10, groupBy: 'category' } })
    assert.equal(offered.status, 200, await offered.clone().text())
    const { contentHash, offer } = await json(offered)
    assert.deepEqual(await json(await a.send('GET', `/v1/tee/offers/${contentHash}`)), offer)
    const listingId = await a.world.list({ category: 4, contentHash })
    const { trade } = await a.world.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
    await a.deps.compute!.writeAudience('beta', 'crm', customers.slice(0, 200))

    assert.equal((await a.send('POST', `/v1/tee/trades/${trade.id}/job`, { as: a.keys.buyer2, body: { kind: 'AudienceOverlap', audience: 'crm' } })).status, 403, 'not the buyer')
    const wrongKind = await a.send('POST', `/v1/tee/trades/${trade.id}/job`, { as: a.keys.buyer, body: { kind: 'RfmTags' } })
    assert.equal(wrongKind.status, 400)
    const res = await a.send('POST', `/v1/tee/trades/${trade.id}/job`, { as: a.keys.buyer, body: { kind: 'AudienceOverlap', audience: 'crm' } })
    assert.equal(res.status, 200, await res.clone().text())
    const delivery = await json(res)
    const sealed = Object.fromEntries(Object.entries(delivery.sealedResult as Record<string, Hex>).map(([k, v]) => [k, hexToBytes(v)])) as never
    const report = JSON.parse(new TextDecoder().decode(eciesDecrypt(a.world.encryptionKeys.buyer.privateKey, sealed)))
    assert.equal(report.groupBy, 'category')
    assert.ok(report.overlap >= 10)
    const again = await a.send('POST', `/v1/tee/trades/${trade.id}/job`, { as: a.keys.buyer, body: { kind: 'AudienceOverlap', audience: 'crm' } })
    assert.equal(again.status, 400, 'delivered once: the trade is no longer accepted')
  })
})

describe('tee routes without an enclave runtime', () => {
  test('503 naming the reason', async () => {
    const a = await createApiWorld({ pricing: 'fixed' })
    try {
      const res = await a.send('GET', '/v1/tee/status')
      assert.equal(res.status, 503)
      assert.match((await json(res)).error.message, /no enclave runtime/)
    } finally {
      await a.close()
    }
  })
})
