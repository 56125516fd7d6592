/**
 * SIGKILL in the middle of an indexer transaction, on SQLite and PostgreSQL: after the kill the
 * tables hold exactly the committed block ranges (equal to a fresh index up to the recorded
 * last block), and a restarted indexer completes them to the same tables as a fresh full index.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startJsonRpcServer, type JsonRpcServer } from '../chain/rpc/JsonRpcServer.ts'
import { getIndexerStatus } from '../db/queries/indexerStatus.ts'
import { dumpTables } from '../db/testing/dumpTables.ts'
import { describeEachDatabase, testPostgresUrl } from '../db/testing/testDatabases.ts'
import { createDevnet, type Devnet } from '../testing/devnet.ts'
import { createWorld, type World } from '../testing/world.ts'
import { Indexer } from './Indexer.ts'
import { runMarketScenario } from './testing/scenario.ts'

const child = fileURLToPath(new URL('./testing/crashChild.ts', import.meta.url))
let net: Devnet
let w: World
let rpc: JsonRpcServer

before(async () => {
  net = await createDevnet()
  w = await createWorld({ chain: { publicClient: net.publicClient, walletFor: net.wallet, increaseTime: net.increaseTime } })
  await runMarketScenario(w)
  rpc = await startJsonRpcServer({ provider: net.provider as never, port: 0 })
})
after(() => rpc?.close())

/** Runs the child until it hangs inside a transaction, kills it, returns the block it was in. */
async function killMidTransaction(env: Record<string, string>): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child], {
    env: { ...process.env, ...env, BOURSE_RPC_URL: rpc.url, BOURSE_DEPLOYMENT: JSON.stringify(w.deployment), BOURSE_HANG_AT: '45' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(proc, 'exit')
  let inside: number | undefined
  let committed = 0
  for await (const line of createInterface({ input: proc.stdout! })) {
    const [word, block] = line.split(' ')
    if (word === 'committed') committed++
    if (word === 'inside') {
      inside = Number(block)
      proc.kill('SIGKILL')
      break
    }
  }
  const [, signal] = await exited
  assert.equal(signal, 'SIGKILL')
  assert.ok(inside !== undefined && committed > 2, 'the child committed ranges, then hung inside one')
  return inside
}

describeEachDatabase('Indexer killed mid-transaction', ({ dialect, open }) => {
  test('restart: the committed ranges are intact, the killed one absent, and indexing completes', async () => {
    const d = await open()
    const inside = await killMidTransaction(dialect === 'sqlite' ? { BOURSE_DATABASE: d.location } : { BOURSE_DATABASE: testPostgresUrl, BOURSE_DATABASE_SCHEMA: d.schema! })

    const restarted = await d.reopen()
    try {
      const last = (await getIndexerStatus(restarted.db))!.lastBlock
      assert.ok(last < inside, `last committed block ${last} is before the killed range at ${inside}`)
      const reference = await open()
      const indexer = (db: typeof reference.db) => new Indexer({ db, publicClient: w.client.publicClient, deployment: w.deployment })
      await indexer(reference.db).runOnce({ toBlock: last })
      assert.deepEqual(await dumpTables(restarted.db), await dumpTables(reference.db))

      await indexer(restarted.db).runOnce()
      await indexer(reference.db).runOnce()
      assert.deepEqual(await dumpTables(restarted.db), await dumpTables(reference.db))
    } finally {
      await restarted.close()
    }
  })
})
