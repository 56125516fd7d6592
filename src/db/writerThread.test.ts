/**
 * The SQLite writer thread: transactions commit in order (urgent ones ahead of those queued), all or nothing, visible to the main
 * connection once answered; the main connection's transactions (read, then write) never fail
 * for the thread's commits in between; close waits for what was given.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase, type TestDatabase } from './testing/testDatabases.ts'
import { kyselyRunner, SqliteWriterThread, WriterThreadError } from './writerThread.ts'

let db: TestDatabase
before(async () => {
  db = await createTestDatabase('sqlite')
})
after(() => db.destroy())

const put = (name: string, value: string) => db.db.insertInto('supervision_state').values({ name, value }).compile()
const state = async () => Object.fromEntries((await db.db.selectFrom('supervision_state').selectAll().execute()).map((r) => [r.name, r.value]))

test('transactions commit in the order given, each all or nothing, with the SQLite error named', async () => {
  const writer = db.writer!
  const results = await Promise.allSettled([
    writer.run([put('a', '1'), put('b', '1')]),
    writer.run([put('c', '1'), put('a', 'again')]), // a is taken: none of this transaction is written
    writer.run([put('d', '1')]),
  ])
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
  const failure = (results[1] as PromiseRejectedResult).reason
  assert.ok(failure instanceof WriterThreadError)
  assert.equal(failure.code, 'SQLITE_CONSTRAINT_PRIMARYKEY')
  assert.deepEqual(await state(), { a: '1', b: '1', d: '1' })
})

test('an urgent transaction goes ahead of the queued ones (not of the one running); queued ones keep their order', async () => {
  const writer = db.writer!
  // Each row records how many of its kind were committed before it: its commit position.
  const ordered = (name: string) => sql`insert into supervision_state (name, value) values (${name}, (select count(*) from supervision_state where name like 'order-%'))`.compile(db.db)
  await Promise.all([
    writer.run([ordered('order-1')]),
    writer.run([ordered('order-2')]),
    writer.run([ordered('order-3')]),
    writer.run([ordered('order-urgent')], { urgent: true }),
    writer.run([ordered('order-urgent-2')], { urgent: true }),
  ])
  const s = await state()
  assert.deepEqual([s['order-1'], s['order-urgent'], s['order-urgent-2'], s['order-2'], s['order-3']].map(Number), [0, 1, 2, 3, 4])
})

test('the main connection reads then writes in its transactions while the thread commits: no SQLITE_BUSY', async () => {
  const counter = (name: string) => db.db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('supervision_state').select('value').where('name', '=', name).executeTakeFirst()
    await tx.insertInto('supervision_state').values({ name, value: String(Number(row?.value ?? 0) + 1) }).onConflict((oc) => oc.column('name').doUpdateSet({ value: String(Number(row?.value ?? 0) + 1) })).execute()
  })
  const thread: Promise<void>[] = []
  const main: Promise<void>[] = []
  for (let i = 0; i < 200; i++) {
    thread.push(db.writer!.run([put(`t${i}`, 'x')]))
    main.push(counter('main'))
  }
  await Promise.all([...thread, ...main])
  const s = await state()
  assert.equal(s.main, '200', 'every read-then-write of the main connection counted once')
  assert.equal(Object.keys(s).filter((k) => k.startsWith('t')).length, 200)
})

test('close waits for the transactions already given; the same statements run on Kysely give the same rows', async () => {
  const other = await createTestDatabase('sqlite')
  try {
    const given = Array.from({ length: 50 }, (_, i) => other.writer!.run([other.db.insertInto('supervision_state').values({ name: `k${i}`, value: String(i) }).compile()]))
    await other.writer!.close()
    await Promise.all(given)
    await assert.rejects(other.writer!.run([put('late', '1')]), /closed/)
    const viaThread = (await other.db.selectFrom('supervision_state').selectAll().orderBy('name').execute())
    const inline = kyselyRunner(db.db)
    await inline.run(Array.from({ length: 50 }, (_, i) => db.db.insertInto('supervision_state').values({ name: `k${i}`, value: String(i) }).compile()))
    assert.deepEqual(viaThread, await db.db.selectFrom('supervision_state').selectAll().where('name', 'like', 'k%').orderBy('name').execute())
  } finally {
    await other.destroy()
  }
})

test('fed statements take their parameters from the payload posted on a feed, arriving before or after the transaction; used once', async () => {
  const writer = db.writer!
  const { port, generation } = writer.openFeed()
  const shape = (rows: number) => db.db.insertInto('supervision_state').values(Array.from({ length: rows }, () => ({ name: '', value: '' }))).compile().sql
  try {
    // Payload first, then the transaction (two parts: two statements of one transaction).
    port.postMessage({ ticket: 1, parts: [['fed-a', '1', 'fed-b', '2'], ['fed-c', '3']] })
    await writer.runFed([{ sql: shape(2), ticket: 1, part: 0 }, { sql: shape(1), ticket: 1, part: 1 }, put('fed-plain', '4')], generation)
    // The transaction first: it waits on the thread until its payload arrives.
    const late = writer.runFed([{ sql: shape(1), ticket: 2, part: 0 }], generation)
    await new Promise((r) => setTimeout(r, 50))
    port.postMessage({ ticket: 2, parts: [['fed-late', '5']] })
    await late
    const s = await state()
    assert.deepEqual([s['fed-a'], s['fed-b'], s['fed-c'], s['fed-plain'], s['fed-late']], ['1', '2', '3', '4', '5'])
    // A failed fed transaction writes none of it, and its payload is gone with it.
    port.postMessage({ ticket: 3, parts: [['fed-a', 'again']] })
    await assert.rejects(writer.runFed([put('fed-d', '6'), { sql: shape(1), ticket: 3, part: 0 }], generation), (e: WriterThreadError) => e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    assert.equal((await state())['fed-d'], undefined)
    // A payload discarded (before it arrives, here) is never inserted; the transactions after it run.
    writer.discard(4, generation)
    port.postMessage({ ticket: 4, parts: [['fed-discarded', '7']] })
    await writer.run([put('after-discard', '8')])
    assert.equal((await state())['fed-discarded'], undefined)
    // Statements fed to another (failed) thread's generation are refused without running.
    await assert.rejects(writer.runFed([put('fed-lost', '9')], generation - 1), (e: WriterThreadError) => e.code === 'FEED_LOST')
    assert.equal((await state())['fed-lost'], undefined)
  } finally {
    port.close()
  }
})

test('tickets are never given twice by one writer, whichever feed they are posted on', () => {
  const writer = db.writer!
  const feeds = [writer.openFeed(), writer.openFeed()]
  const tickets = Array.from({ length: 100 }, () => writer.ticket())
  assert.equal(new Set(tickets).size, tickets.length)
  for (const f of feeds) f.port.close()
})

test('a fed transaction whose payload never comes fails after the wait, naming it; the next one runs', async () => {
  const other = await createTestDatabase('sqlite')
  const writer = new SqliteWriterThread(other.location, { feedWaitMs: 100 })
  try {
    const { port, generation } = writer.openFeed()
    const sql = other.db.insertInto('supervision_state').values({ name: '', value: '' }).compile().sql
    await assert.rejects(writer.runFed([{ sql, ticket: 7, part: 0 }], generation), /did not arrive within 100 ms/)
    port.postMessage({ ticket: 7, parts: [['too-late', '1']] }) // dropped: its transaction gave up
    await writer.run([other.db.insertInto('supervision_state').values({ name: 'next', value: '1' }).compile()])
    assert.deepEqual((await other.db.selectFrom('supervision_state').selectAll().execute()).map((r) => r.name), ['next'])
    port.close()
  } finally {
    await writer.close()
    await other.destroy()
  }
})
