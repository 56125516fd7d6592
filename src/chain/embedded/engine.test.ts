import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { createHardhatRuntimeEnvironment } from 'hardhat/hre'
import { encodeFunctionData, getContractAddress, type Hex } from 'viem'
import { EngineRpcError } from '../../errors/chain.ts'
import { createEngine, type Engine } from './engine.ts'
import { hardhatNetworkConfig, newGenesis } from './genesis.ts'
import type { RequestFn } from './request.ts'
import { signTokenDeploy, signTransfer, testAccount } from './testing/signer.ts'
import { tokenAbi } from './testing/Token.ts'

describe('engine', () => {
  const genesis = newGenesis({ chainId: 4343, initialDate: new Date('2026-03-01T00:00:00Z') })
  let engine: Engine
  let hardhat: RequestFn
  let closeHardhat: () => Promise<void>

  before(async () => {
    engine = await createEngine(genesis)
    const hre = await createHardhatRuntimeEnvironment(
      { networks: { default: hardhatNetworkConfig(genesis) } } as never,
      {},
      fileURLToPath(new URL('../../../', import.meta.url)),
    )
    const connection = await hre.network.create()
    hardhat = (args) => connection.provider.request(args as never)
    closeHardhat = () => connection.close()
  })
  after(async () => {
    await engine.close()
    await closeHardhat()
  })

  it('builds the same blocks as Hardhat 3 does from the same genesis (replay depends on it)', async () => {
    const owner = testAccount(30)
    const { raw: deploy, address: token } = await signTokenDeploy(owner, 0, genesis.chainId, 1000n)
    const transfers = await Promise.all([1, 2, 3].map((nonce) => signTransfer(owner, nonce, genesis.chainId, token, testAccount(31).address, BigInt(nonce))))
    const t0 = Date.parse(genesis.initialDate) / 1000
    const hashes = async (request: RequestFn): Promise<Hex[]> => {
      const seen: Hex[] = []
      const latest = async () => ((await request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { hash: Hex }).hash
      seen.push(await latest())
      // One transaction per block (automine), then three in one block (mined explicitly).
      await request({ method: 'evm_setNextBlockTimestamp', params: [t0 + 10] })
      await request({ method: 'eth_sendRawTransaction', params: [deploy] })
      seen.push(await latest())
      await request({ method: 'evm_setAutomine', params: [false] })
      await request({ method: 'evm_setNextBlockTimestamp', params: [t0 + 10] })
      for (const raw of transfers) await request({ method: 'eth_sendRawTransaction', params: [raw] })
      await request({ method: 'evm_mine', params: [] })
      seen.push(await latest())
      return seen
    }
    const ours = await hashes(engine.provider.request)
    assert.deepEqual(ours, await hashes(hardhat))
    const block = (await engine.provider.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { transactions: Hex[]; baseFeePerGas: Hex }
    assert.equal(block.transactions.length, 3)
    assert.equal(block.baseFeePerGas, '0x0')
  })

  it('answers errors as a node does: a revert with code 3 and its data, others with the engine code', async () => {
    const owner = testAccount(30)
    const token = getContractAddress({ from: owner.address, nonce: 0n }) // deployed by the first test
    const data = encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [owner.address, 10n ** 9n] })
    await assert.rejects(engine.provider.request({ method: 'eth_call', params: [{ from: owner.address, to: token, data }, 'latest'] }), (err: unknown) => {
      assert.ok(err instanceof EngineRpcError)
      assert.equal(err.code, 3)
      assert.match(String(err.data), /^0x[0-9a-f]{8}/)
      assert.match(err.message, /reverted/)
      return true
    })
    const stale = await signTransfer(owner, 0, genesis.chainId, token, owner.address, 1n)
    await assert.rejects(engine.provider.request({ method: 'eth_sendRawTransaction', params: [stale] }), (err: unknown) => {
      assert.ok(err instanceof EngineRpcError)
      assert.equal(err.code, -32000)
      assert.match(err.message, /nonce too low/i)
      return true
    })
    await assert.rejects(
      engine.provider.request({ method: 'eth_getBalance', params: { address: owner.address } }),
      (err: unknown) => err instanceof EngineRpcError && err.code === -32602,
    )
    assert.match(String(await engine.provider.request({ method: 'web3_clientVersion' })), /^edr\//)
  })
})
