import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, custom, defineChain, encodeFunctionData, type Hex } from 'viem'
import { ChainLockedError, ForbiddenRpcMethodError, GenesisConflictError, ReplayMismatchError, TransactionNotMinedError } from '../../errors/chain.ts'
import { EmbeddedChain } from './EmbeddedChain.ts'
import { decodeJournal, encodeFrames } from './journalFormat.ts'
import { freeGas, signTokenDeploy, signTransfer, testAccount } from './testing/signer.ts'
import { tokenAbi, tokenBytecode } from './testing/Token.ts'

const dirs: string[] = []
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bourse-chain-'))
  dirs.push(dir)
  return dir
}
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

const nowSeconds = () => Math.floor(Date.now() / 1000)
/** Untyped request, for methods outside viem's typed RPC schema. */
const rpc = (chain: EmbeddedChain, method: string, params: unknown[]) => chain.provider.request({ method, params } as never)
const send = (chain: EmbeddedChain, raw: Hex) => chain.provider.request({ method: 'eth_sendRawTransaction', params: [raw] })

describe('EmbeddedChain', () => {
  it('accepts free-gas transactions signed by keys with no native coin, through viem', async () => {
    const dataDir = await freshDir()
    const chain = await EmbeddedChain.open({ dataDir })
    try {
      assert.equal(chain.startup.createdGenesis, true)
      assert.equal(chain.headBlock().number, 0n)
      const viemChain = defineChain({ id: chain.chainId, name: 'embedded', nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 }, rpcUrls: { default: { http: [] } } })
      const transport = custom(chain.provider)
      const publicClient = createPublicClient({ chain: viemChain, transport })
      const account = testAccount(0)
      assert.equal(await publicClient.getBalance({ address: account.address }), 0n)
      const wallet = createWalletClient({ account, chain: viemChain, transport })
      const hash = await wallet.deployContract({ abi: tokenAbi, bytecode: tokenBytecode(), args: [1000n], ...freeGas })
      const receipt = await publicClient.getTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success')
      assert.equal(receipt.effectiveGasPrice, 0n)
      assert.equal(chain.headBlock().number, receipt.blockNumber)
      assert.equal(chain.headBlock().hash, receipt.blockHash)
      const block = await publicClient.getBlock()
      assert.equal(block.baseFeePerGas, 0n)
      assert.ok(Math.abs(Number(block.timestamp) - nowSeconds()) <= 2, 'chain time is wall time')
      // Hardhat's well-known accounts are not unlocked here.
      assert.deepEqual(await chain.provider.request({ method: 'eth_accounts' }), [])
    } finally {
      await chain.close()
    }
  })

  it('replays to the identical head after a restart, with receipts, state and a reverted transaction', async () => {
    const dataDir = await freshDir()
    const alice = testAccount(1)
    const bob = testAccount(2)
    let chain = await EmbeddedChain.open({ dataDir, chainId: 4242 })
    const { raw: deploy, address: token } = await signTokenDeploy(alice, 0, 4242, 100n)
    await send(chain, deploy)
    const hashes: Hex[] = []
    for (let nonce = 1; nonce <= 5; nonce++) hashes.push((await send(chain, await signTransfer(alice, nonce, 4242, token, bob.address, 10n))) as Hex)
    // alice has 50 left: this one reverts, is mined and returns its hash like a production node.
    const reverted = (await send(chain, await signTransfer(alice, 6, 4242, token, bob.address, 1000n))) as Hex
    const before = chain.headBlock()
    assert.equal(before.number, 7n)
    await chain.close()

    chain = await EmbeddedChain.open({ dataDir })
    try {
      assert.equal(chain.startup.createdGenesis, false)
      assert.equal(chain.startup.replayedBlocks, 7)
      assert.equal(chain.chainId, 4242)
      assert.deepEqual(chain.headBlock(), before)
      const client = createPublicClient({ transport: custom(chain.provider) })
      const latest = await client.getBlock()
      assert.equal(latest.hash, before.hash)
      for (const hash of hashes) assert.equal((await client.getTransactionReceipt({ hash })).status, 'success')
      const failed = await client.getTransactionReceipt({ hash: reverted })
      assert.equal(failed.status, 'reverted')
      assert.equal(failed.blockNumber, 7n)
      assert.equal(await client.readContract({ address: token, abi: tokenAbi, functionName: 'balanceOf', args: [bob.address] }), 50n)
      // The chain goes on from wall time, and new transactions work.
      const next = (await send(chain, await signTransfer(alice, 7, 4242, token, bob.address, 1n))) as Hex
      const receipt = await client.getTransactionReceipt({ hash: next })
      assert.equal(receipt.blockNumber, 8n)
      const block = await client.getBlock({ blockNumber: 8n })
      assert.ok(Math.abs(Number(block.timestamp) - nowSeconds()) <= 2)
    } finally {
      await chain.close()
    }
  })

  it('group-commits concurrent sends and answers each caller with its own result', async () => {
    const dataDir = await freshDir()
    const chain = await EmbeddedChain.open({ dataDir })
    const owner = testAccount(3)
    const { raw, address: token } = await signTokenDeploy(owner, 0, chain.chainId, 10n ** 6n)
    await send(chain, raw)
    const raws = await Promise.all(Array.from({ length: 40 }, (_, i) => signTransfer(owner, i + 1, chain.chainId, token, testAccount(100 + i).address, 1n)))
    // Signed in nonce order and queued in that order: every one lands, in that order, the
    // transactions of one batch in one block.
    const results = await Promise.all(raws.map((r) => send(chain, r)))
    assert.equal(new Set(results).size, 40)
    const head = chain.headBlock().number
    assert.ok(head >= 2n && head < 41n, `40 concurrent sends took ${head - 1n} blocks`)
    // A transaction the engine rejects (nonce reused) gets the engine's error and mines nothing.
    await assert.rejects(send(chain, raws[0]!), /nonce/i)
    assert.equal(chain.headBlock().number, head)
    await chain.close()
    const { records } = decodeJournal(await readFile(join(dataDir, 'chain', 'journal.bin')))
    const blocks = records.flatMap((r) => (r.kind === 'block' ? [r] : []))
    assert.equal(BigInt(blocks.length), head)
    assert.ok(blocks.every((b) => b.txs.length > 0), 'no empty block')
    assert.deepEqual(blocks.flatMap((b) => b.txs), [raw, ...raws])
  })

  it('answers a nonce gap with an error, and keeps nothing of it (no mempool outside the journal)', async () => {
    const dataDir = await freshDir()
    const chain = await EmbeddedChain.open({ dataDir })
    const owner = testAccount(5)
    const { raw, address: token } = await signTokenDeploy(owner, 0, chain.chainId, 10n)
    await send(chain, raw)
    const gap = await signTransfer(owner, 2, chain.chainId, token, testAccount(6).address, 1n)
    await assert.rejects(send(chain, gap), (err: unknown) => {
      assert.ok(err instanceof TransactionNotMinedError)
      assert.equal(err.code, -32000)
      assert.match(err.shortMessage, /^Nonce too high\. Expected nonce to be 1 but got 2\./)
      return true
    })
    // The block mined for it (empty: the gap is only found by mining) is journaled like any other.
    assert.ok(chain.headBlock().number <= 2n)
    const pending = (await rpc(chain, 'eth_getBlockByNumber', ['pending', false])) as { transactions: Hex[] }
    assert.deepEqual(pending.transactions, [], 'the refused transaction is not waiting in a mempool')
    // Filling the gap later mines only what was sent later.
    const filled = (await send(chain, await signTransfer(owner, 1, chain.chainId, token, testAccount(6).address, 1n))) as Hex
    assert.equal(await rpc(chain, 'eth_getTransactionCount', [owner.address, 'latest']), '0x2')
    assert.equal(await rpc(chain, 'hardhat_getAutomine', []), true, 'every accepted transaction is mined before it is answered')
    const head = chain.headBlock()
    await chain.close()
    const { records } = decodeJournal(await readFile(join(dataDir, 'chain', 'journal.bin')))
    assert.deepEqual(records.flatMap((r) => (r.kind === 'block' ? r.txs : [])), [raw, await signTransfer(owner, 1, chain.chainId, token, testAccount(6).address, 1n)])
    // And the restarted chain is the same chain.
    const again = await EmbeddedChain.open({ dataDir })
    try {
      assert.deepEqual(again.headBlock(), head)
      const receipt = (await rpc(again, 'eth_getTransactionReceipt', [filled])) as { status: Hex }
      assert.equal(receipt.status, '0x1')
    } finally {
      await again.close()
    }
  })

  it('keeps every block within the EIP-1559 gas target, so the base fee stays zero', async () => {
    const dataDir = await freshDir()
    const chain = await EmbeddedChain.open({ dataDir })
    try {
      const owner = testAccount(7)
      const { raw, address: token } = await signTokenDeploy(owner, 0, chain.chainId, 10n ** 6n)
      await send(chain, raw)
      // Ten transfers declaring 10,000,000 gas each, sent together: at most three fit the
      // 30,000,000 target of one block.
      const data = encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [testAccount(8).address, 1n] })
      const raws = await Promise.all(
        Array.from({ length: 10 }, (_, i) => owner.signTransaction({ chainId: chain.chainId, nonce: i + 1, to: token, data, gas: 10_000_000n, ...freeGas })),
      )
      await Promise.all(raws.map((r) => send(chain, r)))
      const client = createPublicClient({ transport: custom(chain.provider) })
      const head = chain.headBlock().number
      assert.ok(head >= 5n, `ten 10M-gas transactions need at least four blocks, got ${head - 1n}`)
      for (let n = 2n; n <= head; n++) {
        const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
        const declared = block.transactions.reduce((sum, tx) => sum + tx.gas, 0n)
        assert.ok(declared <= 30_000_000n, `block ${n} declares ${declared} gas`)
        assert.equal(block.baseFeePerGas, 0n)
      }
      assert.equal((await client.getBlock()).baseFeePerGas, 0n)
    } finally {
      await chain.close()
    }
  })

  it('refuses state-breaking methods by name, and dev methods unless allowed', async () => {
    const chain = await EmbeddedChain.open({ dataDir: await freshDir() })
    try {
      const refused = [
        ['hardhat_setBalance', [testAccount(0).address, '0x1']],
        ['hardhat_setStorageAt', [testAccount(0).address, '0x0', `0x${'0'.repeat(64)}`]],
        ['hardhat_reset', []],
        ['hardhat_impersonateAccount', [testAccount(0).address]],
        ['evm_snapshot', []],
        ['evm_revert', ['0x1']],
        ['evm_setAutomine', [false]],
        ['eth_sendTransaction', [{ from: testAccount(0).address }]],
        ['evm_mine', []],
        ['evm_increaseTime', [10]],
        ['no_suchMethod', []],
      ] as const
      for (const [method, params] of refused) {
        await assert.rejects(chain.provider.request({ method, params } as never), (err: unknown) => {
          assert.ok(err instanceof ForbiddenRpcMethodError, `${method}: ${String(err)}`)
          assert.equal(err.code, -32004)
          assert.match(err.shortMessage, new RegExp(`^Method ${method} is not allowed`))
          return true
        })
      }
      await assert.rejects(chain.increaseTime(10), ForbiddenRpcMethodError)
      assert.equal(chain.headBlock().number, 0n)
      assert.equal(typeof (await chain.provider.request({ method: 'eth_chainId' })), 'string')
    } finally {
      await chain.close()
    }
  })

  it('journals dev time travel and keeps the chain clock ahead after a restart', async () => {
    const dataDir = await freshDir()
    let chain = await EmbeddedChain.open({ dataDir, allowDevMethods: true })
    const day = 86_400
    const head1 = await chain.increaseTime(day)
    assert.equal(head1.number, 1n)
    assert.ok(Number(head1.timestamp) >= nowSeconds() + day - 2)
    await rpc(chain, 'evm_setNextBlockTimestamp', [Number(head1.timestamp) + 100])
    await rpc(chain, 'evm_mine', [])
    await rpc(chain, 'hardhat_mine', ['0x2', '0x3c'])
    const before = chain.headBlock()
    assert.equal(before.number, 4n)
    // hardhat_mine: the first block at the current chain time, the next one 60 s later.
    assert.ok(before.timestamp >= head1.timestamp + 100n + 60n)
    await chain.close()

    chain = await EmbeddedChain.open({ dataDir, allowDevMethods: true })
    try {
      assert.deepEqual(chain.headBlock(), before)
      await rpc(chain, 'evm_mine', [])
      const next = chain.headBlock()
      assert.ok(next.timestamp >= before.timestamp, 'time never goes back')
      assert.ok(Number(next.timestamp) >= nowSeconds() + day - 2, 'the journaled day of time travel survives')
    } finally {
      await chain.close()
    }
  })

  it('refuses to start when the replayed head differs from the journal, naming both hashes', async () => {
    const dataDir = await freshDir()
    let chain = await EmbeddedChain.open({ dataDir })
    const { raw } = await signTokenDeploy(testAccount(4), 0, chain.chainId, 1n)
    await send(chain, raw)
    const recorded = chain.headBlock()
    await chain.close()

    const path = join(dataDir, 'chain', 'journal.bin')
    const { records } = decodeJournal(await readFile(path))
    const forged = `0x${'ab'.repeat(32)}` as Hex
    await writeFile(path, encodeFrames(records.map((r) => (r.kind === 'block' ? { ...r, hash: forged } : r))))
    await assert.rejects(EmbeddedChain.open({ dataDir }), (err: unknown) => {
      assert.ok(err instanceof ReplayMismatchError)
      assert.equal(err.blockNumber, 1n)
      assert.equal(err.expected, forged)
      assert.equal(err.actual, recorded.hash)
      assert.match(err.message, /First block whose hash differs: 1\./)
      return true
    })
    // The lock was released on failure: a repaired journal opens again.
    await writeFile(path, encodeFrames(records))
    chain = await EmbeddedChain.open({ dataDir })
    assert.deepEqual(chain.headBlock(), recorded)
    await chain.close()
  })

  it('locks its data directory and keeps the genesis chain id', async () => {
    const dataDir = await freshDir()
    const chain = await EmbeddedChain.open({ dataDir, chainId: 777 })
    await assert.rejects(EmbeddedChain.open({ dataDir }), ChainLockedError)
    await chain.close()
    await assert.rejects(EmbeddedChain.open({ dataDir, chainId: 778 }), GenesisConflictError)
    const again = await EmbeddedChain.open({ dataDir, chainId: 777 })
    assert.equal(again.genesis.genesisHash, chain.genesis.genesisHash)
    await again.close()
    await assert.rejects(again.provider.request({ method: 'eth_blockNumber' }), /closed/)
  })
})
