/**
 * The only way processors touch the database: reads and writes of one indexer transaction,
 * with an undo record for every change to a mutable row so that the blocks of an orphaned
 * fork can be rolled back (./reorg.ts).
 *
 * - Mutable tables (`mutableTables` in src/db/schema.ts) are read and written row by row;
 *   before a row changes in an undoable block, its previous image (or "absent") is recorded
 *   in `indexer_undo` under (block, seq). Rows read or written are cached for the rest of the
 *   transaction, so a processor reading what an earlier event wrote costs no query.
 * - Append-only tables are written in bulk when the transaction ends; each row carries its
 *   block number, which is all a rollback needs to delete it.
 */
import type { Kysely, Transaction } from 'kysely'
import { IndexerInconsistencyError } from '../errors/db.ts'
import { mutableTables, type AppendOnlyTable, type Database, type IndexerUndoTable, type KeyOf, type MutableTable } from '../db/schema.ts'

/** Rows per multi-row INSERT (keeps well below SQLite's and PostgreSQL's parameter limits). */
const INSERT_CHUNK = 200

type Row = Record<string, unknown>

/** A typed row as the untyped record the generic code handles. */
const asRow = (value: unknown): Row => value as Row

export class ChangeWriter {
  readonly #db: Kysely<any>
  readonly #cache = new Map<string, Row | null>()
  readonly #appends = new Map<AppendOnlyTable, Row[]>()
  readonly #undo: IndexerUndoTable[] = []
  #block = -1
  #undoable = false
  #seq = 0
  /** Number of row changes (mutable writes and appends) so far. */
  changes = 0

  constructor(trx: Transaction<Database>) {
    this.#db = trx as unknown as Kysely<any>
  }

  /**
   * Starts the changes of `blockNumber`. With `undoable`, every change to a mutable row is
   * recorded so the block can be rolled back.
   */
  beginBlock(blockNumber: number, undoable: boolean): void {
    if (blockNumber !== this.#block) this.#seq = 0
    this.#block = blockNumber
    this.#undoable = undoable
  }

  /** The block whose events are being processed. */
  get blockNumber(): number {
    return this.#block
  }

  /** The row of `table` with primary key `key`, or undefined. */
  async get<T extends MutableTable>(table: T, key: KeyOf<T>): Promise<Database[T] | undefined> {
    const id = cacheKey(table, key)
    if (this.#cache.has(id)) return (this.#cache.get(id) ?? undefined) as Database[T] | undefined
    let query = this.#db.selectFrom(table as string).selectAll()
    for (const column of mutableTables[table]) query = query.where(column, '=', asRow(key)[column])
    const row = ((await query.executeTakeFirst()) as Row | undefined) ?? null
    this.#cache.set(id, row)
    return (row ?? undefined) as Database[T] | undefined
  }

  /**
   * Like {@link get}, but a missing row means the events contradict the indexed state.
   * @throws {IndexerInconsistencyError}
   */
  async require<T extends MutableTable>(table: T, key: KeyOf<T>, context: string): Promise<Database[T]> {
    const row = await this.get(table, key)
    if (!row) throw new IndexerInconsistencyError(`${context}: no ${table} row ${JSON.stringify(key)}.`)
    return row
  }

  /**
   * Inserts a new row. The key must not exist: the primary key enforces it, so no read is
   * spent on checking (a duplicate fails the statement and with it the transaction).
   */
  async insert<T extends MutableTable>(table: T, row: Database[T]): Promise<void> {
    const key = keyOf(table, asRow(row))
    if (this.#cache.get(cacheKey(table, key))) throw new IndexerInconsistencyError(`${table} row ${JSON.stringify(key)} already exists.`)
    this.#recordUndo(table, key, null)
    await this.#db.insertInto(table as string).values(asRow(row)).execute()
    this.#cache.set(cacheKey(table, key), { ...asRow(row) })
    this.changes++
  }

  /** Changes columns of an existing row; returns the row as it is now. */
  async update<T extends MutableTable>(table: T, key: KeyOf<T>, patch: Partial<Database[T]>): Promise<Database[T]> {
    const previous = await this.require(table, key, 'update')
    this.#recordUndo(table, asRow(key), asRow(previous))
    let query = this.#db.updateTable(table as string).set(asRow(patch))
    for (const column of mutableTables[table]) query = query.where(column, '=', asRow(key)[column])
    await query.execute()
    const next = { ...asRow(previous), ...asRow(patch) }
    this.#cache.set(cacheKey(table, key), next)
    this.changes++
    return next as unknown as Database[T]
  }

  /** Inserts the row, or updates it with `patch(previous)` when its key exists. */
  async upsert<T extends MutableTable>(table: T, row: Database[T], patch: (previous: Database[T]) => Partial<Database[T]>): Promise<Database[T]> {
    const key = keyOf(table, asRow(row)) as KeyOf<T>
    const previous = await this.get(table, key)
    if (!previous) {
      await this.insert(table, row)
      return row
    }
    return this.update(table, key, patch(previous))
  }

  /** Queues a row of an append-only table (written by {@link flush}). */
  append<T extends AppendOnlyTable>(table: T, row: Database[T]): void {
    let rows = this.#appends.get(table)
    if (!rows) this.#appends.set(table, (rows = []))
    rows.push(asRow(row))
    this.changes++
  }

  /** Writes the queued appends and undo records. Call once, before committing. */
  async flush(): Promise<void> {
    for (const [table, rows] of this.#appends) await insertChunked(this.#db, table, rows)
    this.#appends.clear()
    await insertChunked(this.#db, 'indexer_undo', this.#undo as unknown as Row[])
    this.#undo.length = 0
  }

  #recordUndo(table: MutableTable, key: Row, previous: Row | null): void {
    if (!this.#undoable) return
    this.#undo.push({
      block_number: this.#block,
      seq: this.#seq++,
      table_name: table,
      row_key: JSON.stringify(key),
      previous: previous === null ? null : JSON.stringify(previous),
    })
  }
}

/** The primary-key columns of `row` in `table`, in key order. */
export function keyOf(table: MutableTable, row: Row): Row {
  return Object.fromEntries(mutableTables[table].map((column: string) => [column, row[column]]))
}

function cacheKey(table: MutableTable, key: object): string {
  return `${table}|${JSON.stringify(mutableTables[table].map((column: string) => asRow(key)[column]))}`
}

async function insertChunked(db: Kysely<any>, table: string, rows: Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto(table).values(rows.slice(i, i + INSERT_CHUNK)).execute()
  }
}
