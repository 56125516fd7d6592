/**
 * The supervision tables (src/db migration 0002): the only code that reads or writes them.
 * Rows are converted to typed values here; callers never see SQL or column names.
 */
import { sql, type CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Hex } from 'viem'
import type { Database } from '../db/schema.ts'
import type { Link } from './links.ts'
import { recordIdOf, type StoredRecord } from './record.ts'
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
    /** The log's leaves up to the head's size. */
    leaves: Hex[]
  }
}

/** Rows per INSERT statement: well under SQLite's 32,766 bound variables. */
const CHUNK = 500

type Db = Kysely<Database> | Transaction<Database>

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

type RecordWithLeaf = Database['supervision_records'] & { leaf_hash: string | null }
type HeadWithBatch = Database['supervision_heads'] & { batch_root: string; batch_heads: number; batch_tx: string | null }

export class SupervisionStore {
  #compiled: { record: CompiledQuery; head: CompiledQuery; leaves: CompiledQuery } | undefined

  constructor(readonly db: Kysely<Database>) {}

  /** Appends accepted records (with their leaves), new channel keys and rejections in one transaction. */
  async append(p: { records: readonly { record: StoredRecord; leafHash: Hex }[]; channelKeys: readonly ChannelKeyRow[]; rejections: readonly RejectionRow[] }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < p.channelKeys.length; i += CHUNK) {
        await tx
          .insertInto('supervision_channel_keys')
          .values(p.channelKeys.slice(i, i + CHUNK).map((k) => ({
            channel_id: channelIdText(k.channelId), org: k.org.toLowerCase(), role: k.role, wrapped_key: k.wrappedKey, recipient_key: k.recipientKey, producer_key: k.producerKey,
          })))
          .onConflict((oc) => oc.columns(['channel_id', 'org']).doNothing())
          .execute()
      }
      for (let i = 0; i < p.records.length; i += CHUNK) {
        const slice = p.records.slice(i, i + CHUNK)
        await tx
          .insertInto('supervision_records')
          .values(slice.map(({ record: r }) => ({
            record_id: r.recordId, channel_id: channelIdText(r.channelId), seq: r.seq, link: r.link, public_fields: r.publicFields,
            private_ciphertext: r.privateCiphertext, wrapped_record_key: r.wrappedRecordKey, source: r.source, created_at: r.createdAt,
          })))
          .execute()
        await tx
          .insertInto('supervision_leaves')
          .values(slice.map(({ record: r, leafHash }) => ({ channel_id: channelIdText(r.channelId), leaf_index: r.seq, record_id: r.recordId, leaf_hash: leafHash })))
          .execute()
      }
      for (let i = 0; i < p.rejections.length; i += CHUNK) {
        await tx
          .insertInto('supervision_rejections')
          .values(p.rejections.slice(i, i + CHUNK).map((r) => ({
            id: r.id, channel_id: channelIdText(r.channelId), link: r.link, rule: r.rule, field: r.field, reason: r.reason, source: r.source, public_fields: r.publicFields, created_at: r.createdAt,
          })))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute()
      }
    })
  }

  async channelLeaves(channelId: bigint, db: Db = this.db): Promise<{ index: number; recordId: Hex; leafHash: Hex }[]> {
    const rows = await db.selectFrom('supervision_leaves').select(['leaf_index', 'record_id', 'leaf_hash']).where('channel_id', '=', channelIdText(channelId)).orderBy('leaf_index').execute()
    return rows.map((r) => ({ index: Number(r.leaf_index), recordId: r.record_id as Hex, leafHash: r.leaf_hash as Hex }))
  }

  async channelRecords(channelId: bigint): Promise<StoredRecord[]> {
    const rows = await this.db.selectFrom('supervision_records').selectAll().where('channel_id', '=', channelIdText(channelId)).orderBy('seq').execute()
    return rows.map(recordFromRow)
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
   * Everything verifying one record needs, in two queries: the record, the leaf at its
   * position, the first committed head covering it with its batch, and the leaves up to
   * that head (for the inclusion proof). `undefined` when there is no such record.
   */
  async proofMaterial(recordId: Hex): Promise<ProofMaterial | undefined> {
    const q = this.#verifyQueries()
    const [row] = await this.#run<RecordWithLeaf>(q.record, [recordId.toLowerCase()])
    if (!row) return undefined
    const record = recordFromRow(row)
    const leaf = (row.leaf_hash as Hex | null) ?? null
    const [head] = await this.#run<HeadWithBatch>(q.head, [row.channel_id, record.seq, 'committed'])
    if (!head) return { record, leaf }
    const treeSize = Number(head.tree_size)
    const leaves = await this.#run<{ leaf_hash: string }>(q.leaves, [row.channel_id, treeSize])
    return {
      record,
      leaf,
      anchor: {
        head: { ...headFromRow(head), channelId: record.channelId },
        batch: { root: head.batch_root as Hex, heads: Number(head.batch_heads), txHash: head.batch_tx as Hex | null },
        leaves: leaves.map((l) => l.leaf_hash as Hex),
      },
    }
  }

  /**
   * The three queries of {@link proofMaterial}, compiled once: verification is the hot read
   * path (thousands per second), and building and compiling a query costs more than running it.
   */
  #verifyQueries() {
    if (this.#compiled) return this.#compiled
    const db = this.db
    this.#compiled = {
      record: db
        .selectFrom('supervision_records as r')
        .leftJoin('supervision_leaves as l', (j) => j.onRef('l.channel_id', '=', 'r.channel_id').onRef('l.leaf_index', '=', 'r.seq'))
        .selectAll('r')
        .select('l.leaf_hash as leaf_hash')
        .where('r.record_id', '=', '$recordId')
        .compile(),
      head: db
        .selectFrom('supervision_heads as h')
        .innerJoin('supervision_batches as b', 'b.batch', 'h.batch')
        .selectAll('h')
        .select(['b.root as batch_root', 'b.heads as batch_heads', 'b.tx_hash as batch_tx'])
        .where('h.channel_id', '=', '$channelId')
        .where('h.tree_size', '>', 0)
        .where('b.status', '=', '$status')
        .orderBy('h.tree_size')
        .limit(1)
        .compile(),
      leaves: db.selectFrom('supervision_leaves').select('leaf_hash').where('channel_id', '=', '$channelId').where('leaf_index', '<', 0).orderBy('leaf_index').compile(),
    }
    return this.#compiled
  }

  async #run<R>(query: CompiledQuery, parameters: unknown[]): Promise<R[]> {
    // A compiled query with its parameters replaced, in the order they appear in the query.
    const params = query.parameters.slice()
    let i = 0
    for (let k = 0; k < params.length && i < parameters.length; k++) params[k] = parameters[i++]
    return (await this.db.executeQuery<R>({ ...query, parameters: params })).rows
  }

  async channelKeys(channelId: bigint): Promise<ChannelKeyRow[]> {
    const rows = await this.db.selectFrom('supervision_channel_keys').selectAll().where('channel_id', '=', channelIdText(channelId)).execute()
    return rows.map((r) => ({ channelId, org: r.org, role: r.role, wrappedKey: r.wrapped_key as Hex, recipientKey: r.recipient_key as Hex, producerKey: r.producer_key as Hex }))
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

  /** Writes a batch (status pending) and its heads, before its transaction is sent. */
  async insertPendingBatch(batch: Omit<BatchRow, 'status' | 'txHash' | 'blockNumber' | 'committedAt'>, heads: readonly HeadRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('supervision_batches').values({ batch: batch.batch, root: batch.root, heads: batch.heads, records: batch.records, status: 'pending', tx_hash: null, block_number: null, created_at: batch.createdAt, committed_at: null }).execute()
      for (let i = 0; i < heads.length; i += CHUNK) {
        await tx
          .insertInto('supervision_heads')
          .values(heads.slice(i, i + CHUNK).map((h) => ({ channel_id: channelIdText(h.channelId), tree_size: h.treeSize, root: h.root, batch: h.batch, batch_index: h.batchIndex, batch_path: JSON.stringify(h.batchPath) })))
          .execute()
      }
    })
  }

  async markCommitted(batch: number, txHash: Hex, blockNumber: number, committedAt: number): Promise<void> {
    await this.db.updateTable('supervision_batches').set({ status: 'committed', tx_hash: txHash, block_number: blockNumber, committed_at: committedAt }).where('batch', '=', batch).execute()
  }

  /** Drops a pending batch whose transaction never landed, so its heads are anchored again. */
  async dropPendingBatch(batch: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('supervision_heads').where('batch', '=', batch).execute()
      await tx.deleteFrom('supervision_batches').where('batch', '=', batch).where('status', '=', 'pending').execute()
    })
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
    await this.db.insertInto('supervision_state').values({ name, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute()
  }

  /**
   * Which of these drafts (channel, source) were already recorded or rejected. A record id
   * derives from its channel and source, so the primary key answers for records.
   */
  async knownSources(drafts: readonly { channelId: bigint; source: string }[]): Promise<Set<string>> {
    const known = new Set<string>()
    const ids = new Map(drafts.map((d) => [recordIdOf(d.channelId, d.source), d.source]))
    const all = [...ids.keys()]
    for (let i = 0; i < all.length; i += CHUNK) {
      for (const r of await this.db.selectFrom('supervision_records').select('record_id').where('record_id', 'in', all.slice(i, i + CHUNK)).execute()) known.add(ids.get(r.record_id as Hex)!)
    }
    const sources = drafts.map((d) => d.source)
    for (let i = 0; i < sources.length; i += CHUNK) {
      for (const r of await this.db.selectFrom('supervision_rejections').select('source').where('source', 'in', sources.slice(i, i + CHUNK)).execute()) known.add(r.source)
    }
    return known
  }

}
