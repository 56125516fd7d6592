/**
 * Test support: run a suite once against SQLite and once against PostgreSQL, each test on a
 * fresh, private database that is removed afterwards (a temporary directory for SQLite, a
 * uniquely named schema for PostgreSQL), so suites run concurrently and leave nothing behind.
 *
 * Environment:
 * - BOURSE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
 * - BOURSE_TEST_DATABASES: comma list of 'sqlite', 'postgres' (default both)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe } from 'node:test'
import pg from 'pg'
import { openDatabase, type BourseDatabase, type DatabaseDialect } from '../openDatabase.ts'

export const testPostgresUrl = process.env.BOURSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The dialects the suite runs against. */
export function testDialects(): DatabaseDialect[] {
  const list = (process.env.BOURSE_TEST_DATABASES ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean)
  for (const d of list) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`BOURSE_TEST_DATABASES: unknown dialect "${d}"`)
  return list as DatabaseDialect[]
}

/** A fresh database that {@link TestDatabase.destroy} removes completely. */
export interface TestDatabase extends BourseDatabase {
  /** Opens a second, independent connection to the same database (a "restarted process"). */
  reopen(): Promise<BourseDatabase>
  /** Closes this connection and removes the database. */
  destroy(): Promise<void>
}

let counter = 0

/**
 * Creates a fresh, migrated database of `dialect`.
 *
 * @example
 * const test = await createTestDatabase('postgres')
 * try { ... } finally { await test.destroy() }
 */
export async function createTestDatabase(dialect: DatabaseDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bourse-db-'))
    const remove = () => rmSync(dir, { recursive: true, force: true })
    const opened = await openDatabase(dir).catch((error: unknown) => {
      remove()
      throw error
    })
    return {
      ...opened,
      reopen: () => openDatabase(dir),
      async destroy() {
        await opened.close().catch(() => {}) // may already be closed by the test
        remove()
      },
    }
  }
  const schema = `bourse_test_${process.pid}_${Date.now().toString(36)}_${counter++}_${Math.random().toString(36).slice(2, 8)}`
  const drop = async () => {
    const client = new pg.Client({ connectionString: testPostgresUrl })
    await client.connect()
    try {
      await client.query(`drop schema if exists "${schema}" cascade`)
    } finally {
      await client.end()
    }
  }
  const opened = await openDatabase(testPostgresUrl, { schema, poolSize: 4 }).catch(async (error: unknown) => {
    await drop() // the schema may exist even though the migration failed
    throw error
  })
  return {
    ...opened,
    reopen: () => openDatabase(testPostgresUrl, { schema, poolSize: 4 }),
    async destroy() {
      await opened.close().catch(() => {}) // may already be closed by the test
      await drop()
    },
  }
}

/** What a suite body of {@link describeEachDatabase} gets. */
export interface DatabaseSuite {
  dialect: DatabaseDialect
  /** A fresh database, destroyed after the suite. */
  open(): Promise<TestDatabase>
}

/**
 * Declares `body` once per dialect as `describe('<name> [sqlite]')` and
 * `describe('<name> [postgres]')`; every database `open()` returns is destroyed after it.
 *
 * @example
 * describeEachDatabase('listing search', ({ open }) => {
 *   test('filters by category', async () => {
 *     const { db } = await open()
 *     ...
 *   })
 * })
 */
export function describeEachDatabase(name: string, body: (suite: DatabaseSuite) => void): void {
  for (const dialect of testDialects()) {
    describe(`${name} [${dialect}]`, () => {
      const opened: TestDatabase[] = []
      after(async () => {
        for (const d of opened.splice(0)) await d.destroy()
      })
      body({
        dialect,
        async open() {
          const d = await createTestDatabase(dialect)
          opened.push(d)
          return d
        },
      })
    })
  }
}
