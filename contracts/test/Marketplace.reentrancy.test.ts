/**
 * Re-entrancy: a Marketplace settled in contracts/test/ReentrantCredit.sol, a malicious
 * ERC-20 that calls back into the Marketplace from inside `transfer`/`transferFrom`. The
 * token also holds a Marketplace account and a buyer key of its own, so a re-entrant
 * `withdraw` is a real double-withdraw attempt. Every guarded entry point refuses the
 * nested call with OpenZeppelin's ReentrancyGuardReentrantCall; the outer call then either
 * fails as a whole or succeeds exactly once, and the token balance of the Marketplace
 * always equals its internal balances plus standing deposits.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeErrorResult, encodeFunctionData, getAddress, keccak256, type Abi, type Address, type Hex } from 'viem'
import { FixedPricingAbi, FixedPricingBytecode, MarketplaceAbi, ReentrantCreditAbi, ReentrantCreditBytecode } from '../../src/contracts/generated.ts'
import type { Actor, BourseClient } from '../../src/sdk/BourseClient.ts'
import {
  BD, credits, deployMarketplace, expectRevert, newAccount, newToken, PRICE, setupWorld, type TestWorld } from './helpers.ts'

const Hook = { None: 0, OnTransfer: 1, OnTransferFrom: 2 } as const
const TOKEN_FUNDS = credits(1000)

/** Token functions and Marketplace errors in one ABI, so bubbled refusals decode. */
const attackAbi = [...ReentrantCreditAbi, ...MarketplaceAbi.filter((x) => x.type === 'error')] as Abi

interface Attack {
  w: TestWorld
  client: BourseClient
  token: Address
  market: Address
  seller: Actor
  buyer: Actor
  /** The key that sends the token's own transactions (anyone may). */
  operator: Actor
  /** Calls the Marketplace from the token's address. */
  asToken(fn: string, args: readonly unknown[]): Promise<unknown>
  arm(hook: number, fn: string, args: readonly unknown[], swallow: boolean): Promise<void>
  /** What the last nested call did. */
  reentry(): Promise<{ reentered: boolean; succeeded: boolean; error: string | undefined }>
  account(a: Address): Promise<{ available: bigint; locked: bigint; orders: bigint }>
  tokens(a: Address): Promise<bigint>
  expectSolvent(): Promise<void>
}

async function setup(): Promise<Attack> {
  const w = await setupWorld()
  const token = getAddress(await w.devnet.deploy({ abi: ReentrantCreditAbi as Abi, bytecode: ReentrantCreditBytecode, account: w.devnet.accounts[6]! }))
  const m = await deployMarketplace(w, {
    credit: token,
    pricing: (marketplace, deployer) => w.devnet.deploy({ abi: FixedPricingAbi as Abi, bytecode: FixedPricingBytecode, args: [PRICE, marketplace], account: deployer }),
  })
  const client = m.client
  const market = m.deployment.marketplace
  const seller = client.as(w.seller.account)
  const buyer = client.as(w.buyer.account)
  const operator = client.as(newAccount())
  const tokenWrite = (functionName: string, args: readonly unknown[]) => client.write(operator.account, token, attackAbi, functionName, args)
  const read = (functionName: 'reentryReturnData' | 'reentered' | 'reentrySucceeded') => client.read(token, ReentrantCreditAbi, functionName, [])

  // Mallory's organisation binds the token contract itself as its buyer key.
  const mallory = w.client.as(newAccount())
  await mallory.applyForMembership('Mallory Ltd', ['Buyer'])
  await w.supervisor.admit(mallory.address)
  await mallory.bindKey('Buyer', token)

  for (const a of [seller, buyer]) {
    await a.mint(a.address, credits(10000))
    await a.approve(credits(10000))
  }
  await tokenWrite('mint', [token, TOKEN_FUNDS])
  await tokenWrite('approveFromSelf', [market, 2n ** 255n])

  const accounts = [seller.address, buyer.address, token, w.platform.address, w.storage.address, w.arbitrator.address]
  const attack: Attack = {
    w,
    client,
    token,
    market,
    seller,
    buyer,
    operator,
    asToken: (fn, args) => tokenWrite('execute', [market, encodeFunctionData({ abi: MarketplaceAbi, functionName: fn, args } as never)]),
    async arm(hook, fn, args, swallow) {
      await tokenWrite('arm', [hook, market, encodeFunctionData({ abi: MarketplaceAbi, functionName: fn, args } as never), swallow])
    },
    async reentry() {
      const data = (await read('reentryReturnData')) as Hex
      const error = data === '0x' ? undefined : decodeErrorResult({ abi: MarketplaceAbi, data }).errorName
      return { reentered: (await read('reentered')) as boolean, succeeded: (await read('reentrySucceeded')) as boolean, error }
    },
    async account(a) {
      const [available, locked, orders] = await client.read(market, MarketplaceAbi, 'accountOf', [a])
      return { available, locked, orders }
    },
    tokens: (a) => client.read(token, ReentrantCreditAbi, 'balanceOf', [a]),
    async expectSolvent() {
      let internal = 0n
      for (const a of accounts) {
        const { available, locked } = await attack.account(a)
        internal += available + locked
      }
      const count = await client.listingCount()
      for (let id = 1n; id <= count; id++) internal += (await client.listing(id)).standing
      assert.equal(await attack.tokens(market), internal, 'token balance of the marketplace == internal balances + standing deposits')
    },
  }
  return attack
}

describe('Marketplace re-entrancy', () => {
  test('double withdraw: the nested withdraw is refused; swallowed, the outer pays exactly once', async () => {
    const a = await setup()
    await a.asToken('deposit', [a.token, credits(100)])
    assert.equal((await a.account(a.token)).available, credits(100))
    const before = await a.tokens(a.token)

    await a.arm(Hook.OnTransfer, 'withdraw', [credits(100)], true)
    await a.asToken('withdraw', [credits(100)])
    assert.deepEqual(await a.reentry(), { reentered: true, succeeded: false, error: 'ReentrancyGuardReentrantCall' })
    assert.equal((await a.account(a.token)).available, 0n)
    assert.equal(await a.tokens(a.token), before + credits(100), 'paid once')
    assert.equal(await a.tokens(a.market), 0n)
    await a.expectSolvent()
  })

  test('double withdraw: the nested refusal bubbles up and the outer withdraw changes nothing', async () => {
    const a = await setup()
    await a.asToken('deposit', [a.token, credits(100)])
    const before = await a.tokens(a.token)
    await a.arm(Hook.OnTransfer, 'withdraw', [credits(50)], false)
    await expectRevert(a.asToken('withdraw', [credits(50)]), 'ReentrancyGuardReentrantCall')
    assert.equal((await a.account(a.token)).available, credits(100))
    assert.equal(await a.tokens(a.token), before)
    await a.expectSolvent()
  })

  test('re-entrant deposit and withdraw from inside a deposit are refused; the outer deposit credits once', async () => {
    const a = await setup()
    await a.asToken('deposit', [a.token, credits(100)])
    for (const [fn, args] of [['deposit', [a.token, 1n]], ['withdraw', [credits(100)]]] as const) {
      await a.arm(Hook.OnTransferFrom, fn, args, true)
      await a.buyer.deposit(credits(50))
      assert.deepEqual(await a.reentry(), { reentered: true, succeeded: false, error: 'ReentrancyGuardReentrantCall' }, fn)
    }
    assert.equal((await a.account(a.buyer.address)).available, credits(100))
    assert.equal((await a.account(a.token)).available, credits(100))
    await a.expectSolvent()
  })

  test('re-entrant order from inside an order\'s pull is refused: exactly one trade', async () => {
    const a = await setup()
    const { listingId } = await a.seller.list({ ...a.w.listingDefaults })
    const first = keccak256(newToken())
    await a.arm(Hook.OnTransferFrom, 'order', [listingId, PRICE, keccak256(newToken())], true)
    await a.asToken('order', [listingId, PRICE, first])
    assert.deepEqual(await a.reentry(), { reentered: true, succeeded: false, error: 'ReentrancyGuardReentrantCall' })
    assert.deepEqual(await a.account(a.token), { available: 0n, locked: PRICE + BD, orders: 1n })
    assert.equal(await a.tokens(a.token), TOKEN_FUNDS - PRICE - BD)

    // Propagated instead: the whole order fails, no trade, nothing pulled.
    await a.arm(Hook.OnTransferFrom, 'order', [listingId, PRICE, keccak256(newToken())], false)
    await expectRevert(a.asToken('order', [listingId, PRICE, keccak256(newToken())]), 'ReentrancyGuardReentrantCall')
    assert.deepEqual(await a.account(a.token), { available: 0n, locked: PRICE + BD, orders: 1n })
    await a.expectSolvent()
  })

  test('every pulling entry point (list, topUpStanding, order, accept) refuses a nested withdraw', async (t) => {
    const a = await setup()
    await a.asToken('deposit', [a.token, credits(100)])
    const { listingId } = await a.seller.list({ ...a.w.listingDefaults })
    const manual = (await a.seller.list({ ...a.w.listingDefaults, requiresAcceptance: true })).listingId
    const ordered = (await a.buyer.order({ listingId: manual, maxPrice: PRICE, token: newToken() })).trade
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['list', () => a.seller.list({ ...a.w.listingDefaults })],
      ['topUpStanding', () => a.seller.topUpStanding(listingId, credits(5))],
      ['order', () => a.buyer.order({ listingId, maxPrice: PRICE, token: newToken() })],
      ['accept', () => a.seller.accept(ordered)],
      ['deposit', () => a.seller.deposit(credits(5))],
    ]
    for (const [name, call] of cases) {
      await t.test(name, async () => {
        const before = { seller: await a.account(a.seller.address), buyer: await a.account(a.buyer.address), token: await a.account(a.token), count: await a.client.listingCount() }
        await a.arm(Hook.OnTransferFrom, 'withdraw', [credits(100)], false)
        await expectRevert(call(), 'ReentrancyGuardReentrantCall')
        assert.deepEqual(
          { seller: await a.account(a.seller.address), buyer: await a.account(a.buyer.address), token: await a.account(a.token), count: await a.client.listingCount() },
          before,
          'nothing changed',
        )
        await a.expectSolvent()
      })
    }
  })

  test('re-entering an unguarded action (confirm) during a payout settles the trade once and stays solvent', async () => {
    const a = await setup()
    const { listingId } = await a.seller.list({ ...a.w.listingDefaults })
    await a.asToken('deposit', [a.token, PRICE + BD + credits(40)])
    await a.asToken('order', [listingId, PRICE, keccak256(newToken())])
    const id = (BigInt(a.token) << 96n) | 0n
    // The SDK rebuilds the token's trade record from the events.
    const { trade, open } = await a.client.trade(id)
    assert.equal(open, true)
    assert.equal(trade.buyer, a.token)
    assert.equal(await a.client.read(a.market, MarketplaceAbi, 'tradeHash', [id]), await a.client.read(a.market, MarketplaceAbi, 'hashTrade', [trade]))

    await a.arm(Hook.OnTransfer, 'confirm', [trade, 0], false)
    const tokensBefore = await a.tokens(a.token)
    await a.asToken('withdraw', [credits(40)])
    assert.deepEqual(await a.reentry(), { reentered: true, succeeded: true, error: undefined })
    assert.deepEqual(await a.account(a.token), { available: BD, locked: 0n, orders: 1n }, 'deposit refunded once, after the withdrawal')
    assert.equal(await a.tokens(a.token), tokensBefore + credits(40))
    assert.equal((await a.account(a.seller.address)).available, PRICE - credits('3.75'))
    assert.equal(await a.client.read(a.market, MarketplaceAbi, 'tradeHash', [id]), `0x${'0'.repeat(64)}`)
    await expectRevert(a.asToken('confirm', [trade, 0]), 'MarketplaceTradeMismatch', { tradeId: id })
    await a.expectSolvent()
  })
})
