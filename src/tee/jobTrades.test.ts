/**
 * A job bought as a trade: the seller lists an audience-overlap offer in the data-services
 * category, the buyer orders it at the contract's price with its deposit, the seller's node
 * runs the job in the enclave on the buyer's list, seals the answer to the buyer, anchors it
 * under the trade's job id and confirms delivery; the buyer checks it against the chain and the
 * offer and settles — money moves exactly as for data.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { parseEther } from 'viem'
import { UsageError } from '../errors/node.ts'
import { TradeState } from '../sdk/trade.ts'
import { onlineRetailMissing, onlineRetailSample } from '../testing/onlineRetail.ts'
import { worldCompute } from '../testing/tee.ts'
import { createWorld, newToken, type World } from '../testing/world.ts'
import type { ComputeService } from './ComputeService.ts'
import { JOB_CATEGORY, JobTrades, offerHash, tradeJobId, verifyJobDelivery, type JobOffer } from './jobTrades.ts'

describe('a job bought as a trade', { skip: onlineRetailMissing }, () => {
  let w: World
  let compute: ComputeService
  let trades: JobTrades
  let offer: JobOffer
  let listingId: bigint
  let customers: string[]

  before(async () => {
    const data = await onlineRetailSample({ every: 20 })
    customers = data.customers
    w = await createWorld({ pricing: 'fixed' })
    compute = await worldCompute(w)
    trades = new JobTrades({ compute, client: w.client })
    await compute.importDataset('alpha', { path: data.path, name: 'retail' })
    offer = { version: 1, kind: 'AudienceOverlap', datasetHash: trades.datasetHash('alpha', 'retail'), measurementId: (await compute.status()).measurementId, minGroupSize: 20, groupBy: 'segment' }
    const contentHash = trades.publish({ owner: 'alpha', dataset: 'retail', offer })
    listingId = await w.list({ category: JOB_CATEGORY, contentHash, dataType: 'application/vnd.databourse.job+json', description: 'Audience overlap with Alpha Retail customers by RFM segment (min group 20)' })
  })
  after(() => compute?.close())

  test('order -> job in the enclave -> sealed, anchored delivery -> buyer verifies and settles', async () => {
    await compute.writeAudience('beta', 'newsletter', [...customers.slice(0, 300), '999999', '888888'])
    const sellerBefore = (await w.client.balances(w.seller.address)).available
    const { trade } = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
    assert.equal(trade.state, TradeState.Accepted, 'the standing deposit accepts it')

    const outcome = await trades.fulfil({ tradeId: trade.id, input: { kind: 'AudienceOverlap', buyerOrg: 'beta', audience: 'newsletter' }, storageKey: w.storage.account })
    assert.equal(outcome.result.jobId, tradeJobId(w.deployment.marketplace, trade.id))
    assert.equal(outcome.value, undefined, 'the seller\'s node cannot read the buyer\'s answer: it is sealed to the buyer')
    assert.equal((await w.client.trade(trade.id)).trade.state, TradeState.Downloaded, 'delivery confirmed on chain')

    const delivered = await verifyJobDelivery({ client: w.client, tradeId: trade.id, offer, sealedResult: outcome.result.sealedResult!, buyerEncryptionKey: w.encryptionKeys.buyer.privateKey })
    const report = delivered.result as { overlap: number; groups: { suppressed: boolean; count?: number }[] }
    assert.ok(report.overlap >= 20 && report.overlap <= 300, `overlap ${report.overlap}`)
    assert.ok(report.groups.every((g) => g.suppressed || g.count! >= 20))
    assert.equal(delivered.record.kind, 'AudienceOverlap')

    await w.buyer.confirm((await w.client.trade(trade.id)).trade, 'Ok')
    const settled = await w.client.trade(trade.id)
    assert.equal(settled.trade.state, TradeState.Settled)
    const paid = (await w.client.balances(w.seller.address)).available - sellerBefore
    assert.equal(paid, trade.price - (trade.price * BigInt(w.deployment.feeBps)) / 10_000n, 'the seller is paid the price minus the platform fee, as for data')

    // Another buyer cannot open it, and a different offer does not match the listing.
    await assert.rejects(verifyJobDelivery({ client: w.client, tradeId: trade.id, offer, sealedResult: outcome.result.sealedResult!, buyerEncryptionKey: w.encryptionKeys.buyer2.privateKey }), /does not open/)
    await assert.rejects(verifyJobDelivery({ client: w.client, tradeId: trade.id, offer: { ...offer, minGroupSize: 2 } as JobOffer, sealedResult: outcome.result.sealedResult!, buyerEncryptionKey: w.encryptionKeys.buyer.privateKey }), /does not hash to the listing/)
    assert.equal(offerHash(offer), (await w.client.listing(listingId)).contentHash)
  })

  test('refused: a data listing, a trade not accepted, input of another kind, a foreign storage key — nothing runs', async () => {
    const dataListing = await w.list()
    const { trade: dataTrade } = await w.buyer.order({ listingId: dataListing, maxPrice: parseEther('200'), token: newToken() })
    await assert.rejects(trades.fulfil({ tradeId: dataTrade.id, input: { kind: 'RfmTags' }, storageKey: w.storage.account }), (e: unknown) => e instanceof UsageError && /not a job trade/.test(e.message))
    const { trade } = await w.buyer.order({ listingId, maxPrice: parseEther('200'), token: newToken() })
    await assert.rejects(trades.fulfil({ tradeId: trade.id, input: { kind: 'ForecastPrediction', member: 'x', horizon: 3 }, storageKey: w.storage.account }), /the offer is a AudienceOverlap job/)
    await assert.rejects(trades.fulfil({ tradeId: trade.id, input: { kind: 'AudienceOverlap', buyerOrg: 'beta', audience: 'newsletter' }, storageKey: w.seller.account }), /delivered by storage provider/)
    assert.equal((await w.client.trade(trade.id)).trade.state, TradeState.Accepted, 'unchanged')
  })
})
