/**
 * Gas of DynamicPricing's operations, measured from receipts on the in-memory devnet:
 * opening (= closing the previous) round, pricing a trade (recordDemand), recording supply.
 *
 * `measurePricingGas()` is what `bench:gas` includes; run standalone with
 *   node --import tsx bench/pricing-gas.ts [--json]
 *
 * Each operation is its own transaction, so storage is cold as it would be in production.
 * `gasUsed` is the receipt's; `executionGas` subtracts the intrinsic cost (21,000 plus
 * calldata), which approximates what the operation adds when the Marketplace calls it
 * inside a larger transaction (that call adds a few thousand gas of its own for the cold
 * contract access). A plain account stands in for the Marketplace (the constructor fixes
 * which address may record supply and demand).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Account, Address, Hash, Hex } from 'viem'
import { DynamicPricingAbi, DynamicPricingBytecode, PricingTestAllianceAbi, PricingTestAllianceBytecode } from '../src/contracts/generated.ts'
import { WAD } from '../src/pricing/priceMath.ts'
import { createDevnet, type Devnet } from '../src/testing/devnet.ts'

/** The measured operations. */
export type PricingGasOperation =
  | 'deploy'
  | 'configureCategory'
  | 'recordSupply'
  | 'removeSupply'
  | 'recordDemand'
  | 'recordDemand.sameRound'
  | 'advanceRound'
  | 'advanceRound.k255'
  | 'recordDemand.opensRound'

export interface PricingGasFigure {
  operation: PricingGasOperation
  description: string
  gasUsed: number
  executionGas: number
}

export type MeasurePricingGasReturnType = PricingGasFigure[]

const PLATFORM_ROLE = 2 // IAlliance.Role.Platform
const ROUND_LENGTH = 3600n

/**
 * Deploys DynamicPricing on a fresh devnet and measures each operation once.
 * @example const figures = await measurePricingGas(); figures.find((f) => f.operation === 'advanceRound')!.gasUsed
 */
export async function measurePricingGas(): Promise<MeasurePricingGasReturnType> {
  const net = await createDevnet()
  const [deployer, governance, marketplace, platform] = net.accounts as [Account, Account, Account, Account]
  const figures: PricingGasFigure[] = []
  const record = async (operation: PricingGasOperation, description: string, hash: Hash) => {
    const receipt = await net.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 })
    if (receipt.status !== 'success') throw new Error(`${operation} reverted (${hash})`)
    const tx = await net.publicClient.getTransaction({ hash })
    const gasUsed = Number(receipt.gasUsed)
    figures.push({ operation, description, gasUsed, executionGas: gasUsed - intrinsicGas(tx.input, tx.to === null) })
    return receipt
  }

  const alliance = await net.deploy({ abi: PricingTestAllianceAbi, bytecode: PricingTestAllianceBytecode })
  await wait(net, await net.wallet(deployer).writeContract({ address: alliance, abi: PricingTestAllianceAbi, functionName: 'setActive', args: [platform.address, PLATFORM_ROLE, true], account: deployer, chain: null }))

  const deployHash = await net.wallet(deployer).deployContract({ abi: DynamicPricingAbi, bytecode: DynamicPricingBytecode, args: [alliance, governance.address, marketplace.address], account: deployer, chain: null })
  const pricing = (await record('deploy', 'deploy DynamicPricing', deployHash)).contractAddress as Address
  const call = (from: Account, functionName: 'configureCategory' | 'recordSupply' | 'removeSupply' | 'recordDemand' | 'advanceRound', args: readonly unknown[]) =>
    net.wallet(from).writeContract({ address: pricing, abi: DynamicPricingAbi, functionName, args, account: from, chain: null } as never)
  const endRound = async (category: number) => {
    const state = await net.publicClient.readContract({ address: pricing, abi: DynamicPricingAbi, functionName: 'roundState', args: [category] })
    await net.testClient.setNextBlockTimestamp({ timestamp: state.endsAt })
    await net.testClient.mine({ blocks: 1 })
  }

  const seedConfig = (k: number) => ({ price: { pBalance: 150n * WAD, pVol: 50n * WAD, k, logRatioBound: 42n * 10n ** 16n }, roundLength: ROUND_LENGTH })
  await record('configureCategory', 'configure a category (opens round 1)', await call(governance, 'configureCategory', [1, seedConfig(3)]))
  await wait(net, await call(governance, 'configureCategory', [2, seedConfig(255)]))

  await record('recordSupply', 'a listing is created (standing supply grows)', await call(marketplace, 'recordSupply', [1, 100n]))
  await wait(net, await call(marketplace, 'recordSupply', [1, 50n]))
  await record('removeSupply', 'a listing is withdrawn', await call(marketplace, 'removeSupply', [1, 50n]))
  await record('recordDemand', "price a trade: the round's first order", await call(marketplace, 'recordDemand', [1, 1n]))
  await record('recordDemand.sameRound', 'price a trade: a later order in the same round', await call(marketplace, 'recordDemand', [1, 1n]))

  await endRound(1)
  await record('advanceRound', 'platform closes the round and opens the next (k = 3)', await call(platform, 'advanceRound', [1]))

  // k = 255 is the most multiplications the price can take.
  await wait(net, await call(marketplace, 'recordSupply', [2, 100n]))
  await wait(net, await call(marketplace, 'recordDemand', [2, 90n]))
  await endRound(2)
  await record('advanceRound.k255', 'the same with k = 255 (worst case of x^k)', await call(platform, 'advanceRound', [2]))

  await wait(net, await call(marketplace, 'recordDemand', [1, 1n]))
  await endRound(1)
  await record('recordDemand.opensRound', 'an order after the end: opens the round lazily, then prices the trade', await call(marketplace, 'recordDemand', [1, 1n]))
  return figures
}

async function wait(net: Devnet, hash: Hash): Promise<void> {
  const receipt = await net.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 5 })
  if (receipt.status !== 'success') throw new Error(`transaction reverted (${hash})`)
}

/** 21,000 (+ 32,000 for a creation) + 16 per non-zero and 4 per zero calldata byte (+ EIP-3860 initcode words). */
function intrinsicGas(input: Hex, creation: boolean): number {
  let gas = creation ? 53_000 : 21_000
  for (let i = 2; i < input.length; i += 2) gas += input.slice(i, i + 2) === '00' ? 4 : 16
  if (creation) gas += 2 * Math.ceil((input.length - 2) / 2 / 32)
  return gas
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const figures = await measurePricingGas()
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(figures)}\n`)
  } else {
    const width = Math.max(...figures.map((f) => f.operation.length))
    process.stdout.write(`${'operation'.padEnd(width)}  ${'gas used'.padStart(9)}  ${'execution'.padStart(9)}  description\n`)
    for (const f of figures) {
      process.stdout.write(`${f.operation.padEnd(width)}  ${String(f.gasUsed).padStart(9)}  ${String(f.executionGas).padStart(9)}  ${f.description}\n`)
    }
  }
}
