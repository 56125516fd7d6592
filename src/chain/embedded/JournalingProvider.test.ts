import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { getContractAddress, keccak256, type Hex } from 'viem'
import { ChainUnavailableError } from '../../errors/chain.ts'
import { createEngine, type Engine } from './engine.ts'
import { newGenesis } from './genesis.ts'
import type { BlockRecord, ClockRecord } from './journalFormat.ts'
import { JournalingProvider, type JournalAppender } from './JournalingProvider.ts'
import { getBlockSummary } from './request.ts'
import { signTokenDeploy, signTransfer, testAccount } from './testing/signer.ts'
import { silentLogger } from './logger.ts'

type Appended = (BlockRecord | ClockRecord)[]

/** A journal whose appends the test completes (or fails) by hand, standing in for a slow or failing disk. */
class ManualJournal implements JournalAppender {
  readonly appended: Appended[] = []
  readonly pending: { records: Appended; finish(err?: Error): void }[] = []
  append(records: readonly (BlockRecord | ClockRecord)[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        records: [...records],
        finish: (err) => {
          if (err) return reject(err)
          this.appended.push([...records])
          resolve()
        },
      })
    })
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20))
/** Waits (up to 10 s) until `condition` holds. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 5) {
    if (waited > 10_000) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('JournalingProvider', () => {
  let engine: Engine
  let provider: JournalingProvider
  let journal: ManualJournal
  const genesis = newGenesis({ initialDate: new Date() })

  before(async () => {
    engine = await createEngine(genesis)
    const block0 = await getBlockSummary((a) => engine.provider.request(a), 0n)
    journal = new ManualJournal()
    provider = new JournalingProvider({
      engine: engine.provider,
      journal,
      head: { number: 0n, hash: block0.hash, timestamp: BigInt(block0.timestamp) },
      allowDevMethods: false,
      logger: silentLogger,
    })
  })
  after(async () => {
    await engine.close()
  })

  it('answers a send only after its block is journaled, and holds reads until then', async () => {
    const { raw } = await signTokenDeploy(testAccount(60), 0, genesis.chainId, 5n)
    let acked = false
    const sent = provider.request({ method: 'eth_sendRawTransaction', params: [raw] }).then((h) => ((acked = true), h as Hex))
    await until(() => journal.pending.length === 1) // the batch was mined and waits on the journal
    const [{ records }] = journal.pending
    assert.equal(records.length, 1)
    assert.deepEqual((records[0] as BlockRecord).txs, [raw])
    let read: string | undefined
    const reading = provider.request({ method: 'eth_blockNumber' }).then((n) => (read = n as string))
    await tick()
    assert.equal(acked, false, 'not acknowledged before the journal is durable')
    assert.equal(read, undefined, 'no reader sees the block before it is durable')
    journal.pending.shift()!.finish()
    assert.match(await sent, /^0x[0-9a-f]{64}$/)
    await reading
    assert.equal(read, '0x1')
    assert.equal(provider.head.number, 1n)
    assert.equal(provider.head.hash, (records[0] as BlockRecord).hash)
  })

  it('stops serving (fail-stop) when the journal cannot be written', async () => {
    const account = testAccount(60)
    const token = getContractAddress({ from: account.address, nonce: 0n }) // deployed by the first test
    const sending = provider.request({ method: 'eth_sendRawTransaction', params: [await signTransfer(account, 1, genesis.chainId, token, account.address, 1n)] })
    await until(() => journal.pending.length === 1)
    journal.pending.shift()!.finish(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }))
    await assert.rejects(sending, (err: unknown) => err instanceof ChainUnavailableError && /journal failure/.test(err.message) && /EIO/.test(err.message))
    await assert.rejects(provider.request({ method: 'eth_blockNumber' }), ChainUnavailableError)
    await assert.rejects(provider.request({ method: 'eth_sendRawTransaction', params: ['0x00'] }), ChainUnavailableError)
    assert.equal(provider.head.number, 1n, 'the durable head did not move')
  })
})

describe('JournalingProvider, engine and disk overlapped', () => {
  let engine: Engine
  let provider: JournalingProvider
  let journal: ManualJournal
  const genesis = newGenesis({ initialDate: new Date() })
  const owner = testAccount(61)

  before(async () => {
    engine = await createEngine(genesis)
    const block0 = await getBlockSummary((a) => engine.provider.request(a), 0n)
    journal = new ManualJournal()
    provider = new JournalingProvider({
      engine: engine.provider,
      journal,
      head: { number: 0n, hash: block0.hash, timestamp: BigInt(block0.timestamp) },
      allowDevMethods: false,
      logger: silentLogger,
    })
  })
  after(async () => {
    await engine.close()
  })

  it('runs the next batch while the previous one is being written, and answers in order', async () => {
    const { raw: deploy, address: token } = await signTokenDeploy(owner, 0, genesis.chainId, 100n)
    const acked: string[] = []
    const first = provider.request({ method: 'eth_sendRawTransaction', params: [deploy] }).then(() => acked.push('first'))
    await until(() => journal.pending.length === 1)
    // The first batch waits on the disk; the second one runs on the engine meanwhile.
    const transfer = await signTransfer(owner, 1, genesis.chainId, token, testAccount(62).address, 1n)
    const second = provider.request({ method: 'eth_sendRawTransaction', params: [transfer] }).then(() => acked.push('second'))
    await until(async () => (await engine.provider.request({ method: 'eth_blockNumber' })) === '0x2')
    // A read answered by the engine now may show block 2: it is held until block 2 is durable.
    let read: string | undefined
    const reading = provider.request({ method: 'eth_blockNumber' }).then((n) => (read = n as string))
    // A receipt of a transaction that is not mined yet shows nothing undurable: answered at once.
    assert.equal(await provider.request({ method: 'eth_getTransactionReceipt', params: [`0x${'00'.repeat(32)}`] }), null)
    await tick()
    assert.deepEqual(acked, [])
    assert.equal(read, undefined)
    journal.pending.shift()!.finish()
    await first
    await tick()
    assert.deepEqual(acked, ['first'], 'the second batch is not answered before its own append')
    assert.equal(read, undefined, 'the read saw block 2, which is not durable yet')
    assert.equal(provider.head.number, 1n)
    // The receipt of the first transaction shows only durable blocks: it is not held.
    const receipt = (await provider.request({ method: 'eth_getTransactionReceipt', params: [keccak256(deploy)] })) as { blockNumber: Hex }
    assert.equal(receipt.blockNumber, '0x1')
    await until(() => journal.pending.length === 1)
    assert.deepEqual((journal.pending[0]!.records[0] as BlockRecord).txs, [transfer])
    journal.pending.shift()!.finish()
    await Promise.all([second, reading])
    assert.deepEqual(acked, ['first', 'second'])
    assert.equal(read, '0x2')
    assert.equal(provider.head.number, 2n)
  })

  it('when an append fails, refuses the batch behind it too, and every held answer', async () => {
    const token = getContractAddress({ from: owner.address, nonce: 0n })
    const one = provider.request({ method: 'eth_sendRawTransaction', params: [await signTransfer(owner, 2, genesis.chainId, token, owner.address, 1n)] })
    await until(() => journal.pending.length === 1)
    const two = provider.request({ method: 'eth_sendRawTransaction', params: [await signTransfer(owner, 3, genesis.chainId, token, owner.address, 1n)] })
    await until(async () => (await engine.provider.request({ method: 'eth_blockNumber' })) === '0x4')
    const held = provider.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })
    journal.pending.shift()!.finish(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
    for (const pending of [one, two, held]) await assert.rejects(pending, ChainUnavailableError)
    assert.equal(journal.pending.length, 0, 'nothing is appended after a failed append')
    assert.equal(provider.head.number, 2n)
    await assert.rejects(provider.request({ method: 'eth_chainId' }), ChainUnavailableError)
  })
})

