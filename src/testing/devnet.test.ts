import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FixedPricingAbi, FixedPricingBytecode } from '../contracts/generated.ts'
import { createDevnet } from './devnet.ts'

test('devnet deploys a contract and reads from it', async () => {
  const net = await createDevnet()
  const market = net.accounts[1]!.address
  const address = await net.deploy({ abi: FixedPricingAbi, bytecode: FixedPricingBytecode, args: [150n, market] })
  const [price, round] = await net.publicClient.readContract({ address, abi: FixedPricingAbi, functionName: 'quote', args: [7] })
  assert.equal(price, 150n)
  assert.equal(round, 1)
})
