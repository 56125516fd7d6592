import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { sql } from 'kysely'
import { DatabaseConnectionError, DatabaseLocationError, MigrationError, redactDatabaseUrl } from '../errors/db.ts'
import { decodeAmount, encodeAmount } from './codec.ts'
import { migrateToLatest } from './migrate.ts'
import { supervisionServiceTables } from './schema.ts'
import { openDatabase, SQLITE_FILE_NAME, SQLITE_PAGE_BYTES, sqliteFileOf } from './openDatabase.ts'
import { indexedTables } from './testing/dumpTables.ts'
import { describeEachDatabase } from './testing/testDatabases.ts'

describeEachDatabase('openDatabase', ({ dialect, open }) => {
  test('migrates once; reopening runs nothing and sees the same rows', async () => {
    const d = await open()
    assert.equal(d.dialect, dialect)
    assert.deepEqual(await migrateToLatest(d.db), { executed: [] })
    await d.db.insertInto('accounts').values({ address: '0xab', available: encodeAmount(5n), locked: encodeAmount(0n), orders: 2, updated_block: 7 }).execute()
    const again = await d.reopen()
    try {
      const row = await again.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow()
      // int8 columns come back as numbers in both dialects
      assert.deepEqual(row, { address: '0xab', available: encodeAmount(5n), locked: encodeAmount(0n), orders: 2, updated_block: 7 })
    } finally {
      await again.close()
    }
  })

  test('introspection sees exactly this database\'s tables, even beside other databases on the server', async () => {
    const [d] = await Promise.all([open(), open()]) // two schemas side by side in PostgreSQL
    const tables = (await d.db.introspection.getTables()).map((t) => t.name).sort()
    assert.deepEqual(tables, [...indexedTables, ...supervisionServiceTables, 'indexer_blocks', 'indexer_state', 'indexer_undo'].sort())
    const withKysely = await d.db.introspection.getTables({ withInternalKyselyTables: true })
    assert.equal(withKysely.length, tables.length + 2)
  })

  test('amount text sorts numerically and round-trips uint256', async () => {
    const { db } = await open()
    const values = [0n, 9n, 10n, 150n * 10n ** 18n, 2n ** 96n - 1n, 2n ** 256n - 1n]
    await db
      .insertInto('credit_balances')
      .values(values.map((v, i) => ({ address: `0x${i}`, balance: encodeAmount(v), updated_block: 1 })))
      .execute()
    const rows = await db.selectFrom('credit_balances').select('balance').where('balance', '>=', encodeAmount(10n)).orderBy('balance', 'desc').execute()
    assert.deepEqual(rows.map((r) => decodeAmount(r.balance)), [2n ** 256n - 1n, 2n ** 96n - 1n, 150n * 10n ** 18n, 10n])
    assert.equal(decodeAmount(encodeAmount(-5n)), -5n)
  })
})

test('SQLite: a data directory holds bourse.sqlite in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-db-'))
  try {
    const opened = await openDatabase(join(dir, 'node'))
    try {
      assert.equal(opened.location, join(dir, 'node', SQLITE_FILE_NAME))
      assert.ok(existsSync(opened.location))
      const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(opened.db)
      assert.equal(rows[0]!.journal_mode, 'wal')
      const { rows: pages } = await sql<{ page_size: number }>`pragma page_size`.execute(opened.db)
      assert.equal(pages[0]!.page_size, SQLITE_PAGE_BYTES)
    } finally {
      await opened.close()
    }
    assert.equal(sqliteFileOf(join(dir, 'x.db')), join(dir, 'x.db'))
    assert.equal(sqliteFileOf(':memory:'), ':memory:')
    const memory = await openDatabase('sqlite://:memory:')
    await memory.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('locations: unsupported schemes and bad schema names are refused without leaking credentials', async () => {
  await assert.rejects(openDatabase('mysql://root:hunter2@db/x'), (e: unknown) => {
    assert.ok(e instanceof DatabaseLocationError)
    assert.match(e.message, /unsupported scheme "mysql:"/)
    assert.doesNotMatch(e.message, /hunter2/)
    return true
  })
  await assert.rejects(openDatabase('postgres://u:pw@127.0.0.1:5432/test?schema=Bad-Name'), DatabaseLocationError)
  await assert.rejects(openDatabase('  '), DatabaseLocationError)
  assert.equal(redactDatabaseUrl('postgres://bourse:secret@db:5432/bourse'), 'postgres://***@db:5432/bourse')
})

test('PostgreSQL: an unreachable server is a DatabaseConnectionError without the password', async () => {
  await assert.rejects(openDatabase('postgres://someone:s3cret@127.0.0.1:1/none', { migrate: false }), (e: unknown) => {
    assert.ok(e instanceof DatabaseConnectionError)
    assert.doesNotMatch(e.message, /s3cret/)
    return true
  })
})

test('MigrationError names the failed migration', () => {
  const e = new MigrationError({ migration: '0001_initial', cause: new Error('disk full') })
  assert.equal(e.shortMessage, 'Database migration 0001_initial failed.')
  assert.equal(e.details, 'disk full')
})

test('SQLite: a database created with another page size keeps it and opens as before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-db-'))
  try {
    const file = join(dir, 'old.sqlite')
    const old = new SqliteDatabase(file)
    old.pragma('page_size = 4096')
    old.pragma('journal_mode = WAL')
    old.exec('create table earlier (x integer)')
    old.close()
    const opened = await openDatabase(file)
    try {
      const { rows } = await sql<{ page_size: number }>`pragma page_size`.execute(opened.db)
      assert.equal(rows[0]!.page_size, 4096)
      assert.ok(SQLITE_PAGE_BYTES !== 4096)
      await opened.db.selectFrom('supervision_records').select('record_id').execute() // migrated
    } finally {
      await opened.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
