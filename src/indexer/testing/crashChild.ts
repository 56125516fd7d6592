/**
 * Child process of the SIGKILL test (../crash.test.ts): indexes the chain at BOURSE_RPC_URL
 * into BOURSE_DATABASE (with BOURSE_DATABASE_SCHEMA for PostgreSQL) in ranges of eight blocks.
 * When it reaches event number BOURSE_HANG_AT it prints `inside <block>` and hangs inside the
 * open transaction, waiting to be killed.
 *
 * Run: BOURSE_RPC_URL=… BOURSE_DATABASE=… BOURSE_DEPLOYMENT='{…}' BOURSE_HANG_AT=20 node --import tsx src/indexer/testing/crashChild.ts
 */
import { createPublicClient, http, type PublicClient } from 'viem'
import { openDatabase } from '../../db/openDatabase.ts'
import { Indexer, type IndexerDeployment } from '../Indexer.ts'
import { processors } from '../processors/registry.ts'
import type { ProcessorRegistry } from '../processors/types.ts'

const env = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}
const deployment = JSON.parse(env('BOURSE_DEPLOYMENT')) as IndexerDeployment
const hangAt = Number(env('BOURSE_HANG_AT'))
const { db } = await openDatabase(env('BOURSE_DATABASE'), { schema: process.env.BOURSE_DATABASE_SCHEMA })
const publicClient = createPublicClient({ transport: http(env('BOURSE_RPC_URL'), { retryCount: 0 }) }) as PublicClient

let seen = 0
const hanging = Object.fromEntries(
  Object.entries(processors).map(([contract, events]) => [
    contract,
    Object.fromEntries(
      Object.entries(events).map(([event, processor]) => [
        event,
        processor &&
          (async (ctx: never, log: { blockNumber: number }) => {
            await (processor as (c: never, l: never) => Promise<void>)(ctx, log as never)
            if (++seen === hangAt) {
              process.stdout.write(`inside ${log.blockNumber}\n`)
              await new Promise(() => {}) // hold the transaction open until killed
            }
          }),
      ]),
    ),
  ]),
) as unknown as ProcessorRegistry

const indexer = new Indexer({ db, publicClient, deployment, batchSize: 8, processors: hanging })
indexer.on('progress', (p) => process.stdout.write(`committed ${p.toBlock}\n`))
await indexer.runOnce()
process.stdout.write('done\n')
