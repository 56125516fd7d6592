import assert from 'node:assert/strict'
import { test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { withStatementCache } from './statementCache.ts'

test('statement cache: one statement per SQL text, a busy one not shared, LRU bound, schema changes followed', () => {
  const raw = new SqliteDatabase(':memory:')
  const db = withStatementCache(raw, 3)
  raw.exec('create table t (x integer)')
  const insert = db.prepare('insert into t (x) values (?)')
  assert.equal(db.prepare('insert into t (x) values (?)'), insert, 'the same text gives the cached statement')
  for (let i = 0; i < 5; i++) (insert as unknown as { run(x: number): void }).run(i)

  const select = 'select x from t order by x'
  const iterating = db.prepare(select) as unknown as { iterate(): IterableIterator<{ x: number }> }
  const iterator = iterating.iterate()
  assert.deepEqual(iterator.next().value, { x: 0 })
  const second = db.prepare(select) as unknown as { all(): { x: number }[] }
  assert.notEqual(second, iterating, 'a busy statement is not handed out twice')
  assert.equal(second.all().length, 5)
  iterator.return?.()

  for (const q of ['select 1', 'select 2', 'select 3']) db.prepare(q)
  assert.notEqual(db.prepare('insert into t (x) values (?)'), insert, 'evicted after three newer texts')

  const beforeMigration = db.prepare('select * from t limit 1') as unknown as { get(): Record<string, unknown> }
  assert.deepEqual(Object.keys(beforeMigration.get()), ['x'])
  raw.exec('alter table t add column y integer')
  const afterMigration = db.prepare('select * from t limit 1') as unknown as { get(): Record<string, unknown> }
  assert.equal(afterMigration, beforeMigration, 'cached across the schema change')
  assert.deepEqual(Object.keys(afterMigration.get()), ['x', 'y'], 'and it sees the new column')
  db.close()
})
