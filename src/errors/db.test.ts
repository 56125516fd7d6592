import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DatabaseConnectionError,
  DatabaseLocationError,
  IndexerConflictError,
  IndexerProcessorError,
  InvalidCursorError,
  QueryParameterError,
  ReorgTooDeepError,
} from './db.ts'

test('database errors: messages, fields and no credentials', () => {
  const location = new DatabaseLocationError({ location: 'postgresql://admin:pw@db/x?schema=A', reason: 'schema name "A" must match …' })
  assert.equal(location.message, 'Cannot use "postgresql://***@db/x?schema=A" as the database: schema name "A" must match ….\n\nGive a data directory or file path (SQLite) or a postgres://user@host:port/database URL.\n\nDocs: src/db/README.md')
  const connection = new DatabaseConnectionError({ location: 'postgres://u:secret@h/db', cause: new Error('ECONNREFUSED') })
  assert.equal(connection.message, 'Cannot open the database at postgres://***@h/db.\n\nDocs: src/db/README.md\nDetails: ECONNREFUSED')

  const param = new QueryParameterError({ field: 'limit', reason: 'must be an integer from 1 to 100' })
  assert.deepEqual([param.name, param.field, param.shortMessage], ['QueryParameterError', 'limit', 'Invalid query parameter "limit": must be an integer from 1 to 100.'])
  const cursor = new InvalidCursorError({ reason: 'malformed cursor' })
  assert.ok(cursor instanceof QueryParameterError)
  assert.deepEqual([cursor.name, cursor.field], ['InvalidCursorError', 'cursor'])
})

test('indexer errors: messages name the block and the remedy', () => {
  const processor = new IndexerProcessorError({ event: 'Marketplace.TradeOpened', blockNumber: 42, logIndex: 3, cause: new Error('boom') })
  assert.equal(processor.message, 'Indexing Marketplace.TradeOpened at block 42 (log 3) failed; its block range was not committed.\n\nDocs: src/indexer/README.md\nDetails: boom')
  const reorg = new ReorgTooDeepError({ lastBlock: 120, oldestKnown: 60 })
  assert.equal(reorg.shortMessage, 'The chain replaced indexed blocks below 60, deeper than the indexer can undo (last indexed block 120).')
  assert.match(reorg.message, /Raise `reorgDepth`/)
  assert.equal(new IndexerConflictError({ name: 'default', expected: 41, found: 57 }).shortMessage, 'Indexer "default" moved from block 41 to 57 under this process: another indexer writes to the same database.')
})
