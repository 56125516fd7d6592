/**
 * How a sealed record and its leaf are laid out as database rows: the columns of their
 * multi-row INSERTs and each row's values in that order. One definition for the two places
 * rows are made — the store (from sealed columns on the main thread) and the seal thread
 * (straight to the writer thread's feed, bypassing the main thread) — so both write the same
 * rows.
 */
import type { Hex } from 'viem'
import type { Database } from '../db/schema.ts'
import type { StoredRecord } from './record.ts'
import { channelIdText } from './tradeContext.ts'

/** Rows per multi-row INSERT statement: well under SQLite's 32,766 bound variables. */
export const INSERT_CHUNK = 500

export const RECORD_COLUMNS = ['record_id', 'channel_id', 'seq', 'link', 'public_fields', 'private_ciphertext', 'wrapped_record_key', 'source', 'created_at'] as const satisfies readonly (keyof Database['supervision_records'])[]
export const LEAF_COLUMNS = ['channel_id', 'leaf_index', 'record_id', 'leaf_hash'] as const satisfies readonly (keyof Database['supervision_leaves'])[]

/** Appends a record's row to `out` (values in {@link RECORD_COLUMNS} order). */
export function pushRecordRow(out: unknown[], r: StoredRecord): void {
  out.push(r.recordId, channelIdText(r.channelId), r.seq, r.link, r.publicFields, r.privateCiphertext, r.wrappedRecordKey, r.source, r.createdAt)
}

/** Appends a record's leaf row to `out` (values in {@link LEAF_COLUMNS} order). */
export function pushLeafRow(out: unknown[], r: StoredRecord, leafHash: Hex): void {
  out.push(channelIdText(r.channelId), r.seq, r.recordId, leafHash)
}

/** One INSERT of fed rows: `rows` rows of `table`, whose flat values are the payload's part `part`. */
export interface FedInsert {
  table: 'supervision_records' | 'supervision_leaves'
  rows: number
  part: number
}

/**
 * The INSERTs of `count` records fed as one payload: the records' chunks of {@link INSERT_CHUNK}
 * rows first (parts 0…n-1), then their leaves' chunks (parts n…2n-1), each part the flat
 * values of its rows. The seal thread builds parts in this order and the store's statements
 * take them by these numbers.
 */
export function fedInserts(count: number): FedInsert[] {
  const chunks = Math.ceil(count / INSERT_CHUNK)
  const inserts: FedInsert[] = []
  for (const [t, table] of (['supervision_records', 'supervision_leaves'] as const).entries()) {
    for (let c = 0; c < chunks; c++) inserts.push({ table, rows: Math.min(INSERT_CHUNK, count - c * INSERT_CHUNK), part: t * chunks + c })
  }
  return inserts
}

/**
 * The flat values of the INSERTs {@link fedInserts} lays out for `records` (with their leaf
 * hashes): part `f.part` holds the rows of insert `f`. Both the store (columns sealed on the
 * main thread) and the seal thread (the writer thread's feed) build their rows here.
 */
export function rowParts(records: readonly { record: StoredRecord; leafHash: Hex }[]): unknown[][] {
  const inserts = fedInserts(records.length)
  const parts = inserts.map(() => [] as unknown[])
  const chunks = inserts.length / 2
  records.forEach(({ record, leafHash }, i) => {
    const chunk = Math.floor(i / INSERT_CHUNK)
    pushRecordRow(parts[chunk]!, record)
    pushLeafRow(parts[chunks + chunk]!, record, leafHash)
  })
  return parts
}
