/**
 * The producer's drain stops at a failed page: it submits nothing after it (a page staged on
 * top of a failed one could only fail as stale) and leaves the cursor where it was, so the
 * next drain starts again from the failed page.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '../db/testing/testDatabases.ts'
import type { RecordLog, SubmitResult } from './RecordLog.ts'
import { RecordProducer } from './RecordProducer.ts'
import { SupervisionStore } from './SupervisionStore.ts'

let db: TestDatabase
before(async () => {
  db = await createTestDatabase('sqlite')
  // Three indexed events of trades nobody knows: each page has no drafts, but is still submitted.
  await db.db
    .insertInto('trade_events')
    .values([1, 2, 3].map((block) => ({ block_number: block, log_index: 0, tx_hash: `0x${'00'.repeat(32)}`, block_time: 1_700_000_000 + block, trade_id: `0x${block}`, event: 'TradeOpened', state: 1, state_name: 'Open', args: '{}' })))
    .execute()
})
after(() => db.destroy())

test('a failed page stops the drain: nothing is submitted after it and the cursor stays', async () => {
  const store = new SupervisionStore(db.db)
  let submitted = 0
  const log = {
    submit: async (): Promise<SubmitResult> => {
      submitted++
      throw new Error('the database is gone')
    },
  } as unknown as RecordLog
  const producer = new RecordProducer({ db: db.db, store, log, platformKey: `0x${'11'.repeat(20)}`, feeBps: 200, windows: { accept: 60, download: 60 }, assetSize: async () => null, pageSize: 1 })
  await assert.rejects(producer.drain(), /the database is gone/)
  assert.equal(submitted, 1, 'the page read while the first one failed is not submitted')
  assert.equal(await store.getState('producer_cursor'), undefined)
})
