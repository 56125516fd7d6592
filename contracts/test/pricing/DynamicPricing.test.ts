/**
 * DynamicPricing: roles, configuration, rounds opened by the platform or lazily, standing
 * supply and per-round demand, the zero-supply rule, and every round's price equal to the
 * off-chain recomputation from the recorded quantities.
 */
import assert from 'node:assert/strict'
import { before, beforeEach, describe, test } from 'node:test'
import fc from 'fast-check'
import { decodeErrorResult, encodeDeployData, parseEventLogs, type Account, type Address, type BaseError, type Hex } from 'viem'
import { DynamicPricingAbi, DynamicPricingBytecode, PricingTestAllianceAbi, PricingTestAllianceBytecode } from '../../../src/contracts/generated.ts'
import { priceFixed, WAD, type PriceParams } from '../../../src/pricing/priceMath.ts'
import { createPricingDevnet, revertName, type PricingDevnet } from './setup.ts'

const PLATFORM_ROLE = 2 // IAlliance.Role.Platform
const ROUND = 3600n
const params: PriceParams = { pBalance: 150n * WAD, pVol: 50n * WAD, k: 3, logRatioBound: 42n * 10n ** 16n }
const config = { price: params, roundLength: ROUND }
const CATEGORY = 7

let net: PricingDevnet
let deployer: Account, governance: Account, marketplace: Account, platform: Account, stranger: Account
let pricing: Address
let alliance: Address

type FunctionName = 'configureCategory' | 'advanceRound' | 'recordSupply' | 'removeSupply' | 'recordDemand'

/** Sends a transaction after simulating it (a revert throws with the decoded error). */
async function send(from: Account, functionName: FunctionName, args: readonly unknown[]) {
  const { request, result } = await net.client.simulateContract({ address: pricing, abi: DynamicPricingAbi, functionName, args, account: from } as never)
  const hash = await net.walletFor(from).writeContract(request as never)
  const receipt = await net.client.waitForTransactionReceipt({ hash, pollingInterval: 5 })
  assert.equal(receipt.status, 'success')
  return { result: result as unknown, receipt, events: parseEventLogs({ abi: DynamicPricingAbi, logs: receipt.logs }) }
}

async function reverts(from: Account, functionName: FunctionName, args: readonly unknown[], errorName: string) {
  await assert.rejects(send(from, functionName, args), (e: unknown) => {
    assert.equal(revertName(e), errorName)
    return true
  })
}

const read = {
  quote: (category = CATEGORY) => net.client.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'quote', args: [category] }),
  roundPrice: (round: number, category = CATEGORY) => net.client.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'roundPrice', args: [category, round] }),
  state: (category = CATEGORY) => net.client.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'roundState', args: [category] }),
}

/** Mines a block at the end of the current round (+ extra seconds): the round is now due. */
async function atRoundEnd(extra = 0n, category = CATEGORY) {
  const { endsAt } = await read.state(category)
  await net.testClient.setNextBlockTimestamp({ timestamp: endsAt + extra })
  await net.testClient.mine({ blocks: 1 })
}

async function deploy(): Promise<Address> {
  return net.deploy({ abi: DynamicPricingAbi, bytecode: DynamicPricingBytecode, args: [alliance, governance.address, marketplace.address], account: deployer })
}

before(async () => {
  net = await createPricingDevnet()
  ;[deployer, governance, marketplace, platform, stranger] = net.accounts as [Account, Account, Account, Account, Account]
  alliance = await net.deploy({ abi: PricingTestAllianceAbi, bytecode: PricingTestAllianceBytecode })
  const hash = await net.wallet(net.accounts[0]!).writeContract({ address: alliance, abi: PricingTestAllianceAbi, functionName: 'setActive', args: [platform.address, PLATFORM_ROLE, true], account: net.accounts[0]!, chain: null })
  await net.client.waitForTransactionReceipt({ hash, pollingInterval: 5 })
})

describe('deployment and roles', () => {
  beforeEach(async () => {
    pricing = await deploy()
  })

  test('rejects a zero alliance, governance or marketplace address', async () => {
    const zero = '0x0000000000000000000000000000000000000000'
    for (const args of [[zero, governance.address, marketplace.address], [alliance, zero, marketplace.address], [alliance, governance.address, zero]] as const) {
      const data = encodeDeployData({ abi: DynamicPricingAbi, bytecode: DynamicPricingBytecode, args })
      await assert.rejects(net.client.call({ account: deployer, data }), (e: unknown) => {
        // A failed deployment is not a contract call: the revert data sits on the provider's error.
        const withData = (e as BaseError).walk((x) => typeof (x as { data?: unknown }).data === 'string') as { data: Hex } | null
        assert.equal(decodeErrorResult({ abi: DynamicPricingAbi, data: withData!.data }).errorName, 'PricingZeroAddress')
        return true
      })
    }
  })

  test('the marketplace is fixed at deployment, announced by MarketplaceBound, and cannot change', async () => {
    const hash = await net.walletFor(deployer).deployContract({ abi: DynamicPricingAbi, bytecode: DynamicPricingBytecode, args: [alliance, governance.address, marketplace.address], account: deployer, chain: null })
    const receipt = await net.client.waitForTransactionReceipt({ hash, pollingInterval: 5 })
    const events = parseEventLogs({ abi: DynamicPricingAbi, logs: receipt.logs })
    assert.deepEqual(events.map((e) => [e.eventName, e.args]), [['MarketplaceBound', { marketplace: marketplace.address }]])
    assert.equal(await net.client.readContract({ address: receipt.contractAddress!, abi: DynamicPricingAbi, functionName: 'marketplace' }), marketplace.address)
    // No function can rebind it: the ABI has no state-changing function besides the four below.
    const writes = DynamicPricingAbi.filter((x) => x.type === 'function' && x.stateMutability !== 'view' && x.stateMutability !== 'pure').map((x) => (x as { name: string }).name)
    assert.deepEqual(writes.sort(), ['advanceRound', 'configureCategory', 'recordDemand', 'recordSupply', 'removeSupply'])
  })

  test('only governance configures a category, once, with valid parameters', async () => {
    for (const who of [deployer, platform, marketplace, stranger]) await reverts(who, 'configureCategory', [CATEGORY, config], 'PricingNotGovernance')
    const bad: Array<[object, string]> = [
      [{ price: { ...params, k: 4 }, roundLength: ROUND }, 'PricingInvalidExponent'],
      [{ price: { ...params, k: 0 }, roundLength: ROUND }, 'PricingInvalidExponent'],
      [{ price: { ...params, pVol: params.pBalance + 1n }, roundLength: ROUND }, 'PricingVolatilityExceedsBalance'],
      [{ price: { ...params, pBalance: 0n, pVol: 0n }, roundLength: ROUND }, 'PricingInvalidBalancePrice'],
      [{ price: { ...params, logRatioBound: 0n }, roundLength: ROUND }, 'PricingInvalidLogRatioBound'],
      [{ price: params, roundLength: 0n }, 'PricingInvalidRoundLength'],
      [{ price: params, roundLength: 366n * 86400n }, 'PricingInvalidRoundLength'],
    ]
    for (const [c, error] of bad) await reverts(governance, 'configureCategory', [CATEGORY, c], error)

    const { events, receipt } = await send(governance, 'configureCategory', [CATEGORY, config])
    const block = await net.client.getBlock({ blockNumber: receipt.blockNumber })
    assert.deepEqual(events.map((e) => e.eventName), ['CategoryConfigured', 'RoundOpened'])
    assert.deepEqual(events[1]!.args, { category: CATEGORY, round: 1, price: params.pBalance, demand: 0n, supply: 0n, endsAt: block.timestamp + ROUND })
    await reverts(governance, 'configureCategory', [CATEGORY, { price: { ...params, pBalance: 1000n * WAD }, roundLength: ROUND }], 'PricingCategoryAlreadyConfigured')
    const stored = await net.client.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'categoryConfig', args: [CATEGORY] })
    assert.deepEqual(stored, config)
  })

  test('only the marketplace records supply and demand', async () => {
    await send(governance, 'configureCategory', [CATEGORY, config])
    for (const who of [deployer, governance, platform, stranger]) {
      await reverts(who, 'recordSupply', [CATEGORY, 1n], 'PricingUnauthorizedCaller')
      await reverts(who, 'removeSupply', [CATEGORY, 1n], 'PricingUnauthorizedCaller')
      await reverts(who, 'recordDemand', [CATEGORY, 1n], 'PricingUnauthorizedCaller')
    }
  })
})

describe('rounds', () => {
  beforeEach(async () => {
    pricing = await deploy()
    await send(governance, 'configureCategory', [CATEGORY, config])
  })

  test('an unconfigured category, a zero quantity and removing too much are refused', async () => {
    await reverts(marketplace, 'recordSupply', [CATEGORY + 1, 1n], 'PricingCategoryNotConfigured')
    await reverts(marketplace, 'recordDemand', [CATEGORY + 1, 1n], 'PricingCategoryNotConfigured')
    await assert.rejects(read.quote(CATEGORY + 1), (e: unknown) => revertName(e) === 'PricingCategoryNotConfigured')
    assert.equal(await read.roundPrice(1, CATEGORY + 1), 0n)
    await reverts(marketplace, 'recordSupply', [CATEGORY, 0n], 'PricingZeroQuantity')
    await reverts(marketplace, 'recordDemand', [CATEGORY, 0n], 'PricingZeroQuantity')
    await send(marketplace, 'recordSupply', [CATEGORY, 5n])
    await reverts(marketplace, 'removeSupply', [CATEGORY, 6n], 'PricingSupplyUnderflow')
    await reverts(marketplace, 'recordSupply', [CATEGORY, 2n ** 128n - 5n], 'PricingQuantityOverflow')
    // A round counts up to 2^56 - 1 units of demand (the Marketplace records one per order).
    await reverts(marketplace, 'recordDemand', [CATEGORY, 2n ** 56n], 'PricingQuantityOverflow')
    await send(marketplace, 'recordDemand', [CATEGORY, 2n ** 56n - 2n])
    await send(marketplace, 'recordDemand', [CATEGORY, 1n])
    await reverts(marketplace, 'recordDemand', [CATEGORY, 1n], 'PricingQuantityOverflow')
    assert.equal((await read.state()).demand, 2n ** 56n - 1n)
  })

  test('round 1 trades at p_balance; the platform opens round 2 at the price of round 1 quantities', async () => {
    await send(marketplace, 'recordSupply', [CATEGORY, 100n])
    const order = await send(marketplace, 'recordDemand', [CATEGORY, 30n])
    assert.deepEqual(order.result, [params.pBalance, 1])
    assert.deepEqual(order.events, []) // each order is the Marketplace's TradeOpened
    assert.deepEqual(await read.quote(), [params.pBalance, 1])

    await reverts(platform, 'advanceRound', [CATEGORY], 'PricingRoundNotEnded')
    await atRoundEnd()
    await reverts(stranger, 'advanceRound', [CATEGORY], 'PricingNotPlatform')
    const expected = priceFixed(30n, 100n, params)
    const opened = await send(platform, 'advanceRound', [CATEGORY])
    assert.deepEqual(opened.result, [2, expected])
    assert.deepEqual(opened.events.map((e) => e.eventName), ['RoundOpened'])
    assert.deepEqual({ ...opened.events[0]!.args, endsAt: 0n }, { category: CATEGORY, round: 2, price: expected, demand: 30n, supply: 100n, endsAt: 0n })

    const second = await send(marketplace, 'recordDemand', [CATEGORY, 1n])
    assert.deepEqual(second.result, [expected, 2])
    assert.equal(await read.roundPrice(1), params.pBalance)
    assert.equal(await read.roundPrice(2), expected)
    assert.equal(await read.roundPrice(3), 0n)
    const state = await read.state()
    assert.equal(state.round, 2)
    assert.equal(state.supply, 100n) // standing supply carries over
    assert.equal(state.demand, 1n) // demand is counted per round
  })

  test('the first action after the end opens the round lazily, before it is recorded', async () => {
    await send(marketplace, 'recordSupply', [CATEGORY, 40n])
    await send(marketplace, 'recordDemand', [CATEGORY, 10n])
    await atRoundEnd(5n)
    const [quoted, quotedRound] = await read.quote() // a view already shows the due round
    assert.equal(quotedRound, 2)
    assert.equal(quoted, priceFixed(10n, 40n, params))

    // A listing created after the end belongs to round 2: it does not change round 2's price.
    const listing = await send(marketplace, 'recordSupply', [CATEGORY, 1000n])
    assert.deepEqual(listing.events.map((e) => e.eventName), ['RoundOpened', 'SupplyRecorded'])
    assert.equal(await read.roundPrice(2), quoted)
    const order = await send(marketplace, 'recordDemand', [CATEGORY, 1n])
    assert.deepEqual(order.result, [quoted, 2])

    // Round 3 sees the standing 1040 against round 2's demand of 1.
    await atRoundEnd()
    const next = await send(marketplace, 'recordDemand', [CATEGORY, 1n])
    assert.deepEqual(next.result, [priceFixed(1n, 1040n, params), 3])
  })

  test('who opens the round and when does not change its price', async () => {
    const history = async () => {
      await send(marketplace, 'recordSupply', [CATEGORY, 80n])
      await send(marketplace, 'recordDemand', [CATEGORY, 120n])
    }
    await history()
    await atRoundEnd()
    await send(platform, 'advanceRound', [CATEGORY]) // the platform, on time
    const byPlatform = await read.roundPrice(2)

    pricing = await deploy()
    await send(governance, 'configureCategory', [CATEGORY, config])
    await history()
    await atRoundEnd(30n * ROUND) // nobody for 30 rounds, then an order
    const late = await send(marketplace, 'recordDemand', [CATEGORY, 1n])
    assert.deepEqual(late.result, [byPlatform, 2]) // no gap in numbering, same price
    assert.equal(byPlatform, priceFixed(120n, 80n, params))
  })

  test('zero supply: p_balance without demand, the ceiling with demand; zero demand: the floor', async () => {
    await atRoundEnd()
    await send(platform, 'advanceRound', [CATEGORY])
    assert.equal(await read.roundPrice(2), params.pBalance) // S = 0, De = 0
    await send(marketplace, 'recordDemand', [CATEGORY, 3n])
    await atRoundEnd()
    await send(platform, 'advanceRound', [CATEGORY])
    assert.equal(await read.roundPrice(3), params.pBalance + params.pVol) // S = 0, De > 0
    await send(marketplace, 'recordSupply', [CATEGORY, 3n])
    await atRoundEnd()
    await send(platform, 'advanceRound', [CATEGORY])
    assert.equal(await read.roundPrice(4), params.pBalance - params.pVol) // S > 0, De = 0
  })

  test('a suspended platform key cannot open rounds', async () => {
    const hash = await net.wallet(net.accounts[0]!).writeContract({ address: alliance, abi: PricingTestAllianceAbi, functionName: 'setActive', args: [platform.address, PLATFORM_ROLE, false], account: net.accounts[0]!, chain: null })
    await net.client.waitForTransactionReceipt({ hash, pollingInterval: 5 })
    try {
      await atRoundEnd()
      await reverts(platform, 'advanceRound', [CATEGORY], 'PricingNotPlatform')
    } finally {
      const back = await net.wallet(net.accounts[0]!).writeContract({ address: alliance, abi: PricingTestAllianceAbi, functionName: 'setActive', args: [platform.address, PLATFORM_ROLE, true], account: net.accounts[0]!, chain: null })
      await net.client.waitForTransactionReceipt({ hash: back, pollingInterval: 5 })
    }
  })

  test('every round is priced from the previous round: recomputation off chain settles any "price abnormal" dispute', async () => {
    const roundArb = fc.record({
      listed: fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 3 }),
      withdrawn: fc.integer({ min: 0, max: 200 }),
      orders: fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 3 }),
      opener: fc.constantFrom('platform', 'lazy'),
      other: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 4, maxLength: 6 }), async (rounds) => {
        pricing = await deploy()
            await send(governance, 'configureCategory', [CATEGORY, config])
        await send(governance, 'configureCategory', [CATEGORY + 1, config])
        let supply = 0n
        let price = params.pBalance
        const tradePrices: Array<[number, bigint]> = []
        for (const [i, r] of rounds.entries()) {
          const round = i + 1
          for (const q of r.listed) {
            await send(marketplace, 'recordSupply', [CATEGORY, BigInt(q)])
            supply += BigInt(q)
          }
          const remove = BigInt(r.withdrawn) > supply ? supply : BigInt(r.withdrawn)
          if (remove > 0n) {
            await send(marketplace, 'removeSupply', [CATEGORY, remove])
            supply -= remove
          }
          let demand = 0n
          for (const q of r.orders) {
            const { result } = await send(marketplace, 'recordDemand', [CATEGORY, BigInt(q)])
            assert.deepEqual(result, [price, round])
            tradePrices.push([round, price])
            demand += BigInt(q)
          }
          if (r.other) await send(marketplace, 'recordDemand', [CATEGORY + 1, 50n]) // another category: no effect
          // The zero-supply rule, then the formula.
          price = supply === 0n ? (demand === 0n ? params.pBalance : params.pBalance + params.pVol) : priceFixed(demand, supply, params)
          await atRoundEnd()
          if (r.opener === 'platform') await send(platform, 'advanceRound', [CATEGORY])
          else await send(marketplace, 'recordSupply', [CATEGORY, 1n]).then(() => (supply += 1n))
          assert.equal(await read.roundPrice(round + 1), price)
        }
        for (const [round, traded] of tradePrices) assert.equal(await read.roundPrice(round), traded)
      }),
      { numRuns: 10 },
    )
  })
})
