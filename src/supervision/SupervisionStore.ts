/**
 * The supervision tables (src/db migration 0002): the only code that reads or writes them.
 * Rows are converted to typed values here; callers never see SQL or column names.
 */
import { sql, type CompiledQuery, type Kysely } from 'kysely'
import { bytesToHex, type Hex } from 'viem'
import type { ReadConnection } from '../db/readConnection.ts'
import { isFeedingWriter, kyselyRunner, type FedStatement, type FeedingWriter, type RunOptions, type TransactionRunner } from '../db/writerThread.ts'
import type { Database } from '../db/schema.ts'
import type { Link } from './links.ts'
import { inclusionProof, pathLength, treeDepth } from './merkle/index.ts'
import { recordIdOf, type StoredRecord } from './record.ts'
import { fedInserts, INSERT_CHUNK, type FedInsert, LEAF_COLUMNS, RECORD_COLUMNS, rowParts } from './recordRows.ts'
import { channelIdText } from './tradeContext.ts'

export interface ChannelKeyRow {
  channelId: bigint
  org: string
  role: string
  wrappedKey: Hex
  recipientKey: Hex
  producerKey: Hex
}

/** A channel as opened on chain (indexed). */
export interface ChannelRow {
  channelId: bigint
  kind: number
  members: Hex[]
  supervisors: Hex[]
  openedBlock: number
  openedAt: number
}

export interface ChannelQuery {
  /** Only channels this supervisor organisation is in. */
  supervisor?: string | undefined
  /** Only channels with this organisation as a member. */
  member?: string | undefined
  /** Only channels holding a record of this link. */
  link?: Link | undefined
  /** Opened at or after / before this unix time (seconds). */
  from?: number | undefined
  to?: number | undefined
  limit: number
  /** Channels opened before this (block, channel id) position: the previous page's last. */
  before?: { block: number; channelId: string } | undefined
}

export interface RejectionRow {
  id: Hex
  channelId: bigint
  link: string
  rule: string
  field: string | null
  reason: string
  source: string
  publicFields: string
  createdAt: number
}

export interface HeadRow {
  channelId: bigint
  treeSize: number
  root: Hex
  batch: number
  batchIndex: number
  batchPath: Hex[]
}

/**
 * The inclusion paths of the records a head anchors for the first time (positions
 * `firstLeaf` .. treeSize-1, in order), as the anchorer writes them with the head.
 */
export interface HeadProofs {
  firstLeaf: number
  paths: readonly (readonly Uint8Array[])[]
}

export interface BatchRow {
  batch: number
  root: Hex
  heads: number
  records: number
  status: 'pending' | 'committed'
  txHash: Hex | null
  blockNumber: number | null
  createdAt: number
  committedAt: number | null
}

/** What verifying one record reads (see {@link SupervisionStore.proofMaterial}). */
export interface ProofMaterial {
  record: StoredRecord
  /** The log's leaf at the record's position, if any. */
  leaf: Hex | null
  /** Absent while no committed head covers the record. */
  anchor?: {
    head: HeadRow
    batch: { root: Hex; heads: number; txHash: Hex | null }
    /** The record's inclusion proof in the head (as stored at anchoring, or recomputed from the log). */
    proof: Hex[]
    /** Where the proof came from: the anchorer's copy stored with the head, or the log (heads anchored before migration 0004 stored none). */
    proofSource: 'stored' | 'log'
  }
}

/** A record's inclusion proof in the head it was first anchored under, as the anchorer stored it. */
export interface StoredProof {
  treeSize: number
  batch: number
  proof: Hex[]
}

/**
 * The anchorer's writes go ahead of queued record inserts: they reference only records already
 * committed (the anchorer learns of records once written), and each one is on the path from a
 * record's submission to its on-chain commitment, which must not wait behind bulk inserts.
 */
const ANCHORING: RunOptions = { urgent: true }

/** Values per IN list: well under SQLite's 32,766 bound variables. */
const IN_CHUNK = 500

/** The rows of `select` run on each chunk of `values` in turn (an IN list per statement stays well under SQLite's bound). */
async function inChunks<V, R>(values: readonly V[], select: (chunk: V[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = []
  for (let i = 0; i < values.length; i += IN_CHUNK) rows.push(...(await select(values.slice(i, i + IN_CHUNK))))
  return rows
}

export const recordFromRow = (r: Database['supervision_records']): StoredRecord => ({
  recordId: r.record_id as Hex,
  channelId: BigInt(r.channel_id),
  seq: Number(r.seq),
  link: r.link as Link,
  publicFields: r.public_fields,
  privateCiphertext: r.private_ciphertext as Hex,
  wrappedRecordKey: r.wrapped_record_key as Hex,
  source: r.source,
  createdAt: Number(r.created_at),
})

const channelFromRow = (r: Database['supervision_channels']): ChannelRow => ({
  channelId: BigInt(r.channel_id),
  kind: Number(r.kind),
  members: JSON.parse(r.members) as Hex[],
  supervisors: JSON.parse(r.supervisors) as Hex[],
  openedBlock: Number(r.opened_block),
  openedAt: Number(r.opened_at),
})

const headFromRow = (r: Database['supervision_heads']): HeadRow => ({
  channelId: BigInt(r.channel_id),
  treeSize: Number(r.tree_size),
  root: r.root as Hex,
  batch: Number(r.batch),
  batchIndex: Number(r.batch_index),
  batchPath: JSON.parse(r.batch_path) as Hex[],
})

const batchFromRow = (r: Database['supervision_batches']): BatchRow => ({
  batch: Number(r.batch),
  root: r.root as Hex,
  heads: Number(r.heads),
  records: Number(r.records),
  status: r.status as BatchRow['status'],
  txHash: r.tx_hash as Hex | null,
  blockNumber: r.block_number === null ? null : Number(r.block_number),
  createdAt: Number(r.created_at),
  committedAt: r.committed_at === null ? null : Number(r.committed_at),
})

/** The verification row: the record, its leaf, its stored proof, the head and the committed batch (each null when absent). */
type VerificationRow = Database['supervision_records'] & {
  leaf_hash: string | null
  proof: Uint8Array | null
  head_size: number | null
  head_root: string | null
  head_batch: number | null
  head_index: number | null
  head_path: string | null
  batch_root: string | null
  batch_heads: number | null
  batch_tx: string | null
}
type HeadWithBatch = Database['supervision_heads'] & { batch_root: string; batch_heads: number; batch_tx: string | null }

/**
 * A query compiled once with placeholder values, bound later by name: each placeholder is a
 * unique sentinel string, so binding finds its parameters by value, whatever order the
 * dialect's compiler emitted them in, and fails loudly if one is missing.
 */
class BoundQuery {
  readonly #query: CompiledQuery
  readonly #slots: { index: number; name: string }[] = []

  constructor(query: CompiledQuery, names: readonly string[]) {
    this.#query = query
    query.parameters.forEach((value, index) => {
      const name = names.find((n) => value === BoundQuery.placeholder(n))
      if (name) this.#slots.push({ index, name })
    })
    for (const n of names) if (!this.#slots.some((s) => s.name === n)) throw new Error(`supervision: the compiled query has no parameter ${n}`)
  }

  static placeholder(name: string): string {
    return `\u0000supervision-parameter:${name}`
  }

  bind(values: Readonly<Record<string, unknown>>): CompiledQuery {
    const parameters = this.#query.parameters.slice()
    for (const { index, name } of this.#slots) {
      if (!(name in values)) throw new Error(`supervision: no value for query parameter ${name}`)
      parameters[index] = values[name]
    }
    return { ...this.#query, parameters }
  }
}
const $ = BoundQuery.placeholder

export class SupervisionStore {
  #compiled: { verification: BoundQuery; head: BoundQuery; leaves: BoundQuery } | undefined
  /** Multi-row INSERTs compiled once per (table, row count): the write path's hot statements. */
  readonly #insertShapes = new Map<string, CompiledQuery>()
  /** Where this store's writes run: the database's writer thread, or its Kysely connection. */
  readonly writer: TransactionRunner

  /**
   * @param reader a read-only connection (SQLite) that verification reads go through: they are
   *   the hot read path and need not queue behind the node's other queries. Without one, they
   *   run on `db` like everything else.
   * @param writer where the writes run (the database's writer thread, SQLite files); every
   *   write of these tables goes there, in order, so a batch never commits before its records.
   *   Default: transactions on `db`.
   */
  constructor(
    readonly db: Kysely<Database>,
    readonly reader?: ReadConnection,
    writer?: TransactionRunner,
  ) {
    this.writer = writer ?? kyselyRunner(db)
  }

  /** Appends accepted records (with their leaves), new channel keys and rejections in one transaction. */
  async append(p: { records: readonly { record: StoredRecord; leafHash: Hex }[]; channelKeys: readonly ChannelKeyRow[]; rejections: readonly RejectionRow[] }): Promise<void> {
    const parts = rowParts(p.records)
    await this.writer.run([
      ...this.#keyInserts(p.channelKeys),
      ...fedInserts(p.records.length).map((f) => ({ ...this.#rowsShape(f), parameters: parts[f.part]! })),
      ...this.#rejectionInserts(p.rejections),
    ])
  }

  /** Whether {@link appendFed} can be used: the writes run on a writer thread that takes feeds. */
  get feedingWriter(): FeedingWriter | undefined {
    return isFeedingWriter(this.writer) ? this.writer : undefined
  }

  /**
   * As {@link append}, for `count` records whose record and leaf rows the seal thread posted
   * straight to the writer thread's feed (`ticket`, laid out as {@link fedInserts}): only the
   * statements and the small rows (new channel keys, rejections) go from here.
   */
  async appendFed(p: { ticket: number; generation: number; count: number; channelKeys: readonly ChannelKeyRow[]; rejections: readonly RejectionRow[] }): Promise<void> {
    const writer = this.feedingWriter
    if (!writer) throw new Error('supervision: fed rows need the SQLite writer thread')
    await writer.runFed(
      [
        ...this.#keyInserts(p.channelKeys),
        ...fedInserts(p.count).map((f): FedStatement => ({ sql: this.#rowsShape(f).sql, ticket: p.ticket, part: f.part })),
        ...this.#rejectionInserts(p.rejections),
      ],
      p.generation,
    )
  }

  /** The INSERT of one chunk of record or leaf rows ({@link fedInserts}). */
  #rowsShape(f: FedInsert): CompiledQuery {
    return f.table === 'supervision_records' ? this.#insertShape(f.table, RECORD_COLUMNS, f.rows) : this.#insertShape(f.table, LEAF_COLUMNS, f.rows)
  }

  #keyInserts(keys: readonly ChannelKeyRow[]): CompiledQuery[] {
    return this.#inserts('supervision_channel_keys', ['channel_id', 'org', 'role', 'wrapped_key', 'recipient_key', 'producer_key'],
      keys.map((k) => [channelIdText(k.channelId), k.org.toLowerCase(), k.role, k.wrappedKey, k.recipientKey, k.producerKey]), ['channel_id', 'org'])
  }

  #rejectionInserts(rejections: readonly RejectionRow[]): CompiledQuery[] {
    return this.#inserts('supervision_rejections', ['id', 'channel_id', 'link', 'rule', 'field', 'reason', 'source', 'public_fields', 'created_at'],
      rejections.map((r) => [r.id, channelIdText(r.channelId), r.link, r.rule, r.field, r.reason, r.source, r.publicFields, r.createdAt]), ['id'])
  }

  async channelLeaves(channelId: bigint): Promise<{ index: number; recordId: Hex; leafHash: Hex }[]> {
    const rows = await this.db.selectFrom('supervision_leaves').select(['leaf_index', 'record_id', 'leaf_hash']).where('channel_id', '=', channelIdText(channelId)).orderBy('leaf_index').execute()
    return rows.map((r) => ({ index: Number(r.leaf_index), recordId: r.record_id as Hex, leafHash: r.leaf_hash as Hex }))
  }

  async channelRecords(channelId: bigint): Promise<StoredRecord[]> {
    const rows = await this.db.selectFrom('supervision_records').selectAll().where('channel_id', '=', channelIdText(channelId)).orderBy('seq').execute()
    return rows.map(recordFromRow)
  }

  /** The links a channel already holds (the write path's link-order checks), without loading its records. */
  async channelLinks(channelId: bigint): Promise<Set<Link>> {
    const rows = await this.db.selectFrom('supervision_records').select('link').distinct().where('channel_id', '=', channelIdText(channelId)).execute()
    return new Set(rows.map((r) => r.link as Link))
  }

  /** The inclusion proof the anchorer stored for a record's position (with the first head above it), if any. */
  async storedProof(channelId: bigint, leafIndex: number): Promise<StoredProof | undefined> {
    const head = await this.db
      .selectFrom('supervision_heads')
      .select(['tree_size', 'batch', 'first_leaf', 'proof_depth', 'leaf_proofs'])
      .where('channel_id', '=', channelIdText(channelId))
      .where('tree_size', '>', leafIndex)
      .orderBy('tree_size')
      .limit(1)
      .executeTakeFirst()
    if (!head || head.first_leaf === null || head.proof_depth === null || head.leaf_proofs === null || Number(head.first_leaf) > leafIndex) return undefined
    const depth = Number(head.proof_depth)
    const slot = head.leaf_proofs.subarray((leafIndex - Number(head.first_leaf)) * depth * 32, (leafIndex - Number(head.first_leaf) + 1) * depth * 32)
    return { treeSize: Number(head.tree_size), batch: Number(head.batch), proof: slotProof(slot, leafIndex, Number(head.tree_size)) }
  }

  async record(recordId: Hex): Promise<StoredRecord | undefined> {
    const row = await this.db.selectFrom('supervision_records').selectAll().where('record_id', '=', recordId.toLowerCase()).executeTakeFirst()
    return row ? recordFromRow(row) : undefined
  }

  async leaf(channelId: bigint, index: number): Promise<{ recordId: Hex; leafHash: Hex } | undefined> {
    const row = await this.db.selectFrom('supervision_leaves').select(['record_id', 'leaf_hash']).where('channel_id', '=', channelIdText(channelId)).where('leaf_index', '=', index).executeTakeFirst()
    return row ? { recordId: row.record_id as Hex, leafHash: row.leaf_hash as Hex } : undefined
  }

  /**
   * Everything verifying one record needs, in one indexed query: the record, the leaf at its
   * position, the head it was first anchored under (the first above its position) with the
   * record's inclusion proof cut from that head's stored proofs, and the head's batch if
   * committed. Heads anchored before migration 0004 stored no proofs: theirs is recomputed
   * from the log (two more queries). `undefined`: no such record.
   */
  async proofMaterial(recordId: Hex): Promise<ProofMaterial | undefined> {
    const q = this.#verifyQueries()
    const [row] = await this.#read<VerificationRow>(q.verification.bind({ recordId: recordId.toLowerCase(), committed: 'committed' }))
    if (!row) return undefined
    const record = recordFromRow(row)
    const leaf = (row.leaf_hash as Hex | null) ?? null
    if (row.proof !== null) {
      // A stored proof whose head is not (yet) in a committed batch: not anchored.
      if (row.head_size === null || row.batch_root === null) return { record, leaf }
      return {
        record,
        leaf,
        anchor: {
          head: { channelId: record.channelId, treeSize: Number(row.head_size), root: row.head_root as Hex, batch: Number(row.head_batch), batchIndex: Number(row.head_index), batchPath: JSON.parse(row.head_path!) as Hex[] },
          batch: { root: row.batch_root as Hex, heads: Number(row.batch_heads), txHash: row.batch_tx as Hex | null },
          proof: slotProof(row.proof, record.seq, Number(row.head_size)),
          proofSource: 'stored',
        },
      }
    }
    const [head] = await this.#read<HeadWithBatch>(q.head.bind({ channelId: row.channel_id, seq: record.seq, committed: 'committed' }))
    if (!head) return { record, leaf }
    const treeSize = Number(head.tree_size)
    const leaves = (await this.#read<{ leaf_hash: string }>(q.leaves.bind({ channelId: row.channel_id, treeSize }))).map((l) => Buffer.from(l.leaf_hash.slice(2), 'hex'))
    return {
      record,
      leaf,
      anchor: {
        head: { ...headFromRow(head), channelId: record.channelId },
        batch: { root: head.batch_root as Hex, heads: Number(head.batch_heads), txHash: head.batch_tx as Hex | null },
        proof: leaves.length === treeSize && record.seq < treeSize ? inclusionProof(leaves, record.seq).map((p) => bytesToHex(p)) : [],
        proofSource: 'log',
      },
    }
  }

  /**
   * The queries of {@link proofMaterial}, compiled once: verification is the hot read path
   * (thousands per second), and building and compiling a query costs more than running it.
   */
  #verifyQueries() {
    if (this.#compiled) return this.#compiled
    const db = this.db
    this.#compiled = {
      verification: new BoundQuery(
        db
          .selectFrom('supervision_records as r')
          .leftJoin('supervision_leaves as l', (j) => j.onRef('l.channel_id', '=', 'r.channel_id').onRef('l.leaf_index', '=', 'r.seq'))
          // The head the record was first anchored under: the smallest size above its position
          // (a MIN over the heads' primary key, then that row).
          .leftJoin('supervision_heads as h', (j) =>
            j.onRef('h.channel_id', '=', 'r.channel_id').on((eb) =>
              eb('h.tree_size', '=', eb.selectFrom('supervision_heads as h2').select((e) => e.fn.min('h2.tree_size').as('size')).whereRef('h2.channel_id', '=', 'r.channel_id').whereRef('h2.tree_size', '>', 'r.seq')),
            ),
          )
          .leftJoin('supervision_batches as b', (j) => j.onRef('b.batch', '=', 'h.batch').on('b.status', '=', $('committed')))
          .selectAll('r')
          .select([
            'l.leaf_hash as leaf_hash',
            // The record's slot of the head's proofs (NULL when the head stored none for it).
            sql<Uint8Array | null>`case when h.first_leaf <= r.seq then substr(h.leaf_proofs, (r.seq - h.first_leaf) * h.proof_depth * 32 + 1, h.proof_depth * 32) end`.as('proof'),
            'h.tree_size as head_size', 'h.root as head_root', 'h.batch as head_batch', 'h.batch_index as head_index', 'h.batch_path as head_path',
            'b.root as batch_root', 'b.heads as batch_heads', 'b.tx_hash as batch_tx',
          ])
          .where('r.record_id', '=', $('recordId'))
          .compile(),
        ['recordId', 'committed'],
      ),
      head: new BoundQuery(
        db
          .selectFrom('supervision_heads as h')
          .innerJoin('supervision_batches as b', 'b.batch', 'h.batch')
          .selectAll('h')
          .select(['b.root as batch_root', 'b.heads as batch_heads', 'b.tx_hash as batch_tx'])
          .where('h.channel_id', '=', $('channelId'))
          .where('h.tree_size', '>', $('seq') as unknown as number)
          .where('b.status', '=', $('committed'))
          .orderBy('h.tree_size')
          .limit(1)
          .compile(),
        ['channelId', 'seq', 'committed'],
      ),
      leaves: new BoundQuery(
        db.selectFrom('supervision_leaves').select('leaf_hash').where('channel_id', '=', $('channelId')).where('leaf_index', '<', $('treeSize') as unknown as number).orderBy('leaf_index').compile(),
        ['channelId', 'treeSize'],
      ),
    }
    return this.#compiled
  }

  /** A read of committed data: on the read connection when there is one. */
  async #read<R>(query: CompiledQuery): Promise<R[]> {
    return this.reader ? this.reader.rows<R>(query) : (await this.db.executeQuery<R>(query)).rows
  }

  /**
   * The statements inserting `rows` into `table`: one multi-row INSERT per chunk of
   * {@link INSERT_CHUNK} rows, each of the shape {@link #insertShape} compiled.
   */
  #inserts<T extends keyof Database & string>(table: T, columns: readonly (keyof Database[T] & string)[], rows: readonly unknown[][], conflict?: readonly (keyof Database[T] & string)[]): CompiledQuery[] {
    const queries: CompiledQuery[] = []
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const slice = rows.slice(i, i + INSERT_CHUNK)
      // A plain loop: Array.prototype.flat was most of this method's time (thousands of rows per call).
      const parameters: unknown[] = new Array(slice.length * columns.length)
      let at = 0
      for (const row of slice) for (const value of row) parameters[at++] = value
      queries.push({ ...this.#insertShape(table, columns, slice.length, conflict), parameters })
    }
    return queries
  }

  /**
   * A multi-row INSERT of `rows` rows into `table`, compiled once per (table, row count):
   * Kysely builds it with placeholder rows, so its parameters are then the rows' values in
   * column order, row after row. Both dialects: the compiler is the database's own.
   */
  #insertShape<T extends keyof Database & string>(table: T, columns: readonly (keyof Database[T] & string)[], rows: number, conflict?: readonly (keyof Database[T] & string)[]): CompiledQuery {
    const key = `${table}:${rows}`
    let compiled = this.#insertShapes.get(key)
    if (!compiled) {
      const row = Object.fromEntries(columns.map((c) => [c, null]))
      let q = this.db.insertInto(table).values(Array.from({ length: rows }, () => row) as never)
      if (conflict) q = q.onConflict((oc) => oc.columns(conflict as never).doNothing())
      compiled = q.compile()
      if (compiled.parameters.length !== rows * columns.length) throw new Error(`supervision: the INSERT into ${table} compiled with ${compiled.parameters.length} parameters, expected ${rows * columns.length}`)
      this.#insertShapes.set(key, compiled)
    }
    return compiled
  }

  async channelKeys(channelId: bigint): Promise<ChannelKeyRow[]> {
    const rows = await this.db.selectFrom('supervision_channel_keys').selectAll().where('channel_id', '=', channelIdText(channelId)).execute()
    return rows.map((r) => ({ channelId, org: r.org, role: r.role, wrappedKey: r.wrapped_key as Hex, recipientKey: r.recipient_key as Hex, producerKey: r.producer_key as Hex }))
  }

  /** Which of these channels have key rows (so records, or records about to be written), as their id text. */
  async channelsWithKeys(channelIds: readonly bigint[]): Promise<Set<string>> {
    const rows = await inChunks(channelIds.map(channelIdText), (chunk) =>
      this.db.selectFrom('supervision_channel_keys').select('channel_id').distinct().where('channel_id', 'in', chunk).execute())
    return new Set(rows.map((r) => r.channel_id))
  }

  async insertChannelKeys(keys: readonly ChannelKeyRow[]): Promise<void> {
    if (keys.length) await this.append({ records: [], channelKeys: keys, rejections: [] })
  }

  /** Channels whose log is longer than their newest anchored head, with both sizes. */
  async unanchoredChannels(): Promise<{ channelId: bigint; size: number; anchored: number }[]> {
    const sizes = await this.db.selectFrom('supervision_leaves').select((eb) => ['channel_id', eb.fn.max('leaf_index').as('last')]).groupBy('channel_id').execute()
    const heads = await this.db.selectFrom('supervision_heads').select((eb) => ['channel_id', eb.fn.max('tree_size').as('size')]).groupBy('channel_id').execute()
    const anchored = new Map(heads.map((h) => [h.channel_id, Number(h.size)]))
    return sizes
      .map((s) => ({ channelId: BigInt(s.channel_id), size: Number(s.last) + 1, anchored: anchored.get(s.channel_id) ?? 0 }))
      .filter((c) => c.size > c.anchored)
  }

  /**
   * Channels with a wrapped key (so with logged records, or about to have them) that the
   * indexer has not seen opened on chain: after a crash, the ones whose opening may never
   * have been sent (the anchorer asks the chain before opening any of them).
   */
  async channelsNotSeenOpened(): Promise<bigint[]> {
    const rows = await this.db
      .selectFrom('supervision_channel_keys as k')
      .select('k.channel_id')
      .distinct()
      .where((eb) => eb.not(eb.exists(eb.selectFrom('supervision_channels as c').select('c.channel_id').whereRef('c.channel_id', '=', 'k.channel_id'))))
      .execute()
    return rows.map((r) => BigInt(r.channel_id))
  }

  /**
   * Writes a batch (status pending) and its heads, each with the inclusion proofs of the
   * records it anchors for the first time, in one transaction, before its transaction is sent.
   */
  async insertPendingBatch(batch: Omit<BatchRow, 'status' | 'txHash' | 'blockNumber' | 'committedAt'>, heads: readonly (HeadRow & { proofs?: HeadProofs })[]): Promise<void> {
    await this.writer.run([
      this.db.insertInto('supervision_batches').values({ batch: batch.batch, root: batch.root, heads: batch.heads, records: batch.records, status: 'pending', tx_hash: null, block_number: null, created_at: batch.createdAt, committed_at: null }).compile(),
      ...this.#inserts('supervision_heads', ['channel_id', 'tree_size', 'root', 'batch', 'batch_index', 'batch_path', 'first_leaf', 'proof_depth', 'leaf_proofs'],
        heads.map((h) => {
          const p = h.proofs ? encodeHeadProofs(h.treeSize, h.proofs) : undefined
          return [channelIdText(h.channelId), h.treeSize, h.root, h.batch, h.batchIndex, JSON.stringify(h.batchPath), p?.firstLeaf ?? null, p?.depth ?? null, p?.bytes ?? null]
        })),
    ], ANCHORING)
  }

  async markCommitted(batch: number, txHash: Hex, blockNumber: number, committedAt: number): Promise<void> {
    await this.writer.run([this.db.updateTable('supervision_batches').set({ status: 'committed', tx_hash: txHash, block_number: blockNumber, committed_at: committedAt }).where('batch', '=', batch).compile()], ANCHORING)
  }

  /** Drops a pending batch whose transaction never landed, so its heads are anchored again. */
  async dropPendingBatch(batch: number): Promise<void> {
    await this.writer.run([
      this.db.deleteFrom('supervision_heads').where('batch', '=', batch).compile(),
      this.db.deleteFrom('supervision_batches').where('batch', '=', batch).where('status', '=', 'pending').compile(),
    ], ANCHORING)
  }

  async pendingBatches(): Promise<BatchRow[]> {
    return (await this.db.selectFrom('supervision_batches').selectAll().where('status', '=', 'pending').orderBy('batch').execute()).map(batchFromRow)
  }

  async lastBatchNumber(): Promise<number> {
    const row = await this.db.selectFrom('supervision_batches').select((eb) => eb.fn.max('batch').as('last')).executeTakeFirst()
    return row?.last === null || row?.last === undefined ? -1 : Number(row.last)
  }

  async batch(batch: number): Promise<BatchRow | undefined> {
    const row = await this.db.selectFrom('supervision_batches').selectAll().where('batch', '=', batch).executeTakeFirst()
    return row ? batchFromRow(row) : undefined
  }

  /** The channel's anchored heads, oldest first (committed batches only). */
  async heads(channelId: bigint): Promise<HeadRow[]> {
    const rows = await this.db
      .selectFrom('supervision_heads')
      .innerJoin('supervision_batches', 'supervision_batches.batch', 'supervision_heads.batch')
      .selectAll('supervision_heads')
      .where('supervision_heads.channel_id', '=', channelIdText(channelId))
      .where('supervision_batches.status', '=', 'committed')
      .orderBy('supervision_heads.tree_size')
      .execute()
    return rows.map(headFromRow)
  }

  async rejections(filter: { channelId?: bigint; limit?: number } = {}): Promise<RejectionRow[]> {
    let q = this.db.selectFrom('supervision_rejections').selectAll().orderBy('created_at', 'desc').limit(filter.limit ?? 100)
    if (filter.channelId !== undefined) q = q.where('channel_id', '=', channelIdText(filter.channelId))
    return (await q.execute()).map((r) => ({
      id: r.id as Hex, channelId: BigInt(r.channel_id), link: r.link, rule: r.rule, field: r.field, reason: r.reason, source: r.source, publicFields: r.public_fields, createdAt: Number(r.created_at),
    }))
  }

  /** A channel's on-chain membership as indexed; `undefined` when not opened (or not indexed yet). */
  async channel(channelId: bigint): Promise<ChannelRow | undefined> {
    const row = await this.db.selectFrom('supervision_channels').selectAll().where('channel_id', '=', channelIdText(channelId)).executeTakeFirst()
    return row ? channelFromRow(row) : undefined
  }

  /** Channels for the supervisor view, newest first. */
  async channels(q: ChannelQuery): Promise<ChannelRow[]> {
    let query = this.db.selectFrom('supervision_channels').selectAll().orderBy('opened_block', 'desc').orderBy('channel_id', 'desc').limit(q.limit)
    if (q.supervisor) query = query.where(sql<string>`lower(supervisors)`, 'like', `%${q.supervisor.toLowerCase()}%`)
    if (q.member) query = query.where(sql<string>`lower(members)`, 'like', `%${q.member.toLowerCase()}%`)
    if (q.from !== undefined) query = query.where('opened_at', '>=', q.from)
    if (q.to !== undefined) query = query.where('opened_at', '<', q.to)
    if (q.link) {
      const link = q.link
      query = query.where((eb) => eb.exists(eb.selectFrom('supervision_records').select('record_id').whereRef('supervision_records.channel_id', '=', 'supervision_channels.channel_id').where('link', '=', link)))
    }
    if (q.before) {
      const { block, channelId } = q.before
      query = query.where((eb) => eb.or([eb('opened_block', '<', block), eb.and([eb('opened_block', '=', block), eb('channel_id', '<', channelId)])]))
    }
    return (await query.execute()).map(channelFromRow)
  }

  async getState(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('supervision_state').select('value').where('name', '=', name).executeTakeFirst())?.value
  }

  async setState(name: string, value: string): Promise<void> {
    await this.writer.run([this.db.insertInto('supervision_state').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).compile()])
  }

  /**
   * Which of these drafts (channel, source) were already recorded or rejected. A record id
   * derives from its channel and source, so the primary key answers for records.
   *
   * @param recordless channels (0x hex ids) known to hold no records — the caller found no key
   *   rows for them, and a channel's first records are written with its key rows — so their
   *   drafts are looked up among the rejections only.
   */
  async knownSources(drafts: readonly { channelId: bigint; source: string }[], recordless: ReadonlySet<string> = new Set()): Promise<Set<string>> {
    const ids = new Map<Hex, string>()
    for (const d of drafts) if (!recordless.has(channelIdText(d.channelId))) ids.set(recordIdOf(d.channelId, d.source), d.source)
    const recorded = await inChunks([...ids.keys()], (chunk) => this.db.selectFrom('supervision_records').select('record_id').where('record_id', 'in', chunk).execute())
    const rejected = await inChunks(drafts.map((d) => d.source), (chunk) => this.db.selectFrom('supervision_rejections').select('source').where('source', 'in', chunk).execute())
    return new Set([...recorded.map((r) => ids.get(r.record_id as Hex)!), ...rejected.map((r) => r.source)])
  }
}

/**
 * A head's stored proofs (migration 0004): one slot per record it anchors first, each slot
 * `depth` = ceil(log2(treeSize)) 32-byte hashes, the record's path first and zeros after it.
 * Fixed-width slots let the verification query cut one record's slot with `substr` (a byte
 * offset into a BLOB); the path's own length follows from the position and the tree size.
 */
export function encodeHeadProofs(treeSize: number, proofs: HeadProofs): { firstLeaf: number; depth: number; bytes: Uint8Array } {
  const depth = treeDepth(treeSize)
  const bytes = new Uint8Array(proofs.paths.length * depth * 32)
  proofs.paths.forEach((path, i) => {
    if (path.length > depth) throw new Error(`supervision: an inclusion path of ${path.length} hashes in a tree of ${treeSize} leaves`)
    path.forEach((hash, k) => bytes.set(hash, (i * depth + k) * 32))
  })
  return { firstLeaf: proofs.firstLeaf, depth, bytes }
}

/**
 * The inclusion path of position `index` in a tree of `treeSize` from its stored slot; `[]`
 * (no proof, so verification fails) when the slot is too short or not bytes — a stored proof
 * is checked, never trusted.
 */
export function slotProof(slot: unknown, index: number, treeSize: number): Hex[] {
  let length: number
  try {
    length = pathLength(index, treeSize)
  } catch {
    return [] // a position the head does not hold
  }
  if (!(slot instanceof Uint8Array) || slot.length < length * 32) return []
  const hex = Buffer.from(slot.buffer, slot.byteOffset, length * 32).toString('hex')
  const hashes: Hex[] = []
  for (let k = 0; k < length; k++) hashes.push(`0x${hex.slice(k * 64, k * 64 + 64)}`)
  return hashes
}
