/**
 * The verify thread against the main thread's Verifier on one SQLite file: the same answer for
 * every record — verified, tampered after the thread opened its connection, deleted, unknown —
 * committed roots taken from the parent's chain (never the database), and a thread that cannot
 * start leaves every verification inline.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { createTestDatabase, type TestDatabase } from '../../db/testing/testDatabases.ts'
import { Indexer } from '../../indexer/Indexer.ts'
import { runMarketScenario } from '../../indexer/testing/scenario.ts'
import { worldSupervision } from '../../testing/supervision.ts'
import { createWorld, type World } from '../../testing/world.ts'
import type { SupervisionService } from '../SupervisionService.ts'
import { Verifier } from '../Verifier.ts'
import { ThreadedVerifier } from './ThreadedVerifier.ts'

let w: World
let db: TestDatabase
let service: SupervisionService
let records: Hex[]

before(async () => {
  w = await createWorld()
  await runMarketScenario(w)
  db = await createTestDatabase('sqlite')
  await new Indexer({ db: db.db, publicClient: w.client.publicClient, deployment: w.deployment }).runOnce()
  service = worldSupervision(w, db.db, { maxDelayMs: 20, reader: db.reader, writer: db.writer })
  await service.anchorer.recover()
  await service.catchUp()
  await service.anchorer.stop({ flush: true })
  records = (await db.db.selectFrom('supervision_records').select('record_id').orderBy('record_id').execute()).map((r) => r.record_id as Hex)
  assert.ok(records.length > 10)
})

after(async () => {
  await service.stop()
  await db.destroy()
})

/** A threaded verifier over `verifier`, once its thread is ready. */
async function ready(verifier: Verifier): Promise<ThreadedVerifier> {
  const threaded = new ThreadedVerifier({ verifier, file: db.reader!.file })
  threaded.warm()
  for (let i = 0; i < 1000 && !threaded.threadReady; i++) await sleep(10)
  assert.ok(threaded.threadReady, 'the verify thread started')
  return threaded
}

test('the thread answers exactly as the main thread: verified, tampered, deleted, unknown', async () => {
  const threaded = await ready(service.verifier)
  try {
    for (const id of records) {
      const onThread = await threaded.verify(id)
      assert.equal(onThread.status, 'verified', `${id}: ${onThread.problems.join('; ')}`)
      assert.deepEqual(onThread, await service.verifier.verify(id))
    }
    // Changed after the thread opened its connection: it reads committed data, as the main one.
    const [tampered, deleted] = records
    const row = await db.db.selectFrom('supervision_records').select('public_fields').where('record_id', '=', tampered!).executeTakeFirstOrThrow()
    await db.db.updateTable('supervision_records').set({ public_fields: row.public_fields.replace('{', '{ ') }).where('record_id', '=', tampered!).execute()
    await db.db.deleteFrom('supervision_records').where('record_id', '=', deleted!).execute()
    const unknown = `0x${'ab'.repeat(32)}` as Hex
    for (const [id, status] of [[tampered!, 'tampered'], [deleted!, 'not-found'], [unknown, 'not-found']] as const) {
      const onThread = await threaded.verify(id)
      assert.equal(onThread.status, status, id)
      assert.deepEqual(onThread, await service.verifier.verify(id))
    }
    assert.deepEqual(threaded.stats, { thread: records.length + 3, inline: 0 })
  } finally {
    await threaded.close()
  }
})

test('the thread takes committed roots from the parent, which reads the chain once per batch', async () => {
  const asked: number[] = []
  const wrongRoot = `0x${'00'.repeat(32)}` as Hex
  // The parent's chain says every batch has a root the database's batches do not have.
  const verifier = new Verifier(service.store, { batchRoot: async (batch) => (asked.push(batch), wrongRoot) }, service.verifier.identity)
  const threaded = await ready(verifier)
  try {
    const sample = records.slice(2, 12)
    for (const id of sample) {
      const v = await threaded.verify(id)
      assert.equal(v.status, 'tampered', 'checked against the parent chain’s root, not the stored one')
      assert.deepEqual(v.checks.filter((c) => !c.ok).map((c) => c.name), ['on-chain-root'])
    }
    assert.equal(threaded.stats.thread, sample.length)
    assert.deepEqual(asked, [...new Set(asked)], 'each batch asked of the chain once (cached by the parent)')
    assert.ok(asked.length >= 1)
  } finally {
    await threaded.close()
  }
})

test('without a usable file every verification runs inline, with the same answers', async () => {
  const warnings: string[] = []
  const threaded = new ThreadedVerifier({ verifier: service.verifier, file: `${db.reader!.file}.absent`, logger: { warn: ((_: unknown, m: string) => void warnings.push(m)) as unknown as Logger['warn'] } })
  try {
    threaded.warm()
    for (let i = 0; i < 1000 && warnings.length === 0; i++) await sleep(10)
    assert.deepEqual(warnings, ['supervision: the verify thread cannot start; verifying on the main thread'])
    for (const id of records.slice(2, 6)) assert.deepEqual(await threaded.verify(id), await service.verifier.verify(id))
    assert.deepEqual(threaded.stats, { thread: 0, inline: 4 })
  } finally {
    await threaded.close()
  }
  const noFile = new ThreadedVerifier({ verifier: service.verifier, file: undefined })
  assert.equal((await noFile.verify(records[3]!)).status, 'verified')
  assert.deepEqual(noFile.stats, { thread: 0, inline: 1 })
  await noFile.close()
})
