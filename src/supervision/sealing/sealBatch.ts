/**
 * Sealing a submission's accepted drafts: the pure part of the write path that runs on the
 * seal thread (or inline while it starts). Positions, keys and randomness come from the
 * caller, so the result depends on nothing else: the same jobs give the same bytes wherever
 * they are sealed.
 */
import type { Hex } from 'viem'
import type { RecordDraft } from '../links.ts'
import { recordLeafHash, sealRecords, type StoredRecord } from '../record.ts'
import { rowParts } from '../recordRows.ts'

/** One draft to seal: its channel key (an index into the batch's keys) and its position. */
export interface SealJob {
  draft: RecordDraft
  keyIndex: number
  seq: number
}

export interface SealRequest {
  jobs: readonly SealJob[]
  /** The channel keys the jobs use (each channel's once). */
  keys: readonly Uint8Array[]
  /** Unix milliseconds, every record of the batch. */
  createdAt: number
  /** `SEAL_RANDOM_BYTES` (record.ts) per job, in job order. */
  random: Uint8Array
}

/** The sealed columns of each job, in job order, and their leaf hashes (32 bytes each, concatenated). */
export interface SealedBatch {
  recordIds: string[]
  publicFields: string[]
  privateCiphertexts: string[]
  wrappedRecordKeys: string[]
  leaves: Uint8Array
}

export function sealBatch(request: SealRequest): SealedBatch {
  const out: SealedBatch = { recordIds: [], publicFields: [], privateCiphertexts: [], wrappedRecordKeys: [], leaves: new Uint8Array(request.jobs.length * 32) }
  sealEach(request, out.leaves, (record) => {
    out.recordIds.push(record.recordId)
    out.publicFields.push(record.publicFields)
    out.privateCiphertexts.push(record.privateCiphertext)
    out.wrappedRecordKeys.push(record.wrappedRecordKey)
  })
  return out
}

/**
 * A submission sealed into the rows the database stores (record and leaf rows, as the store's
 * `append` writes them): `parts` are the flat values of the INSERTs `fedInserts` (recordRows.ts)
 * lays out, for the writer thread's feed; the caller keeps only the record ids and leaf hashes.
 */
export interface SealedRows {
  recordIds: Hex[]
  leaves: Uint8Array
  parts: unknown[][]
}

export function sealToRows(request: SealRequest): SealedRows {
  const leaves = new Uint8Array(request.jobs.length * 32)
  const rows: { record: StoredRecord; leafHash: Hex }[] = []
  sealEach(request, leaves, (record, leaf) => rows.push({ record, leafHash: `0x${Buffer.from(leaf.buffer, leaf.byteOffset, 32).toString('hex')}` }))
  return { recordIds: rows.map((r) => r.record.recordId), leaves, parts: rowParts(rows) }
}

/** Seals every job (all of them at once: {@link sealRecords}), writing its leaf hash into `leaves` (32 bytes per job) and handing the record on, in order. */
function sealEach(request: SealRequest, leaves: Uint8Array, each: (record: StoredRecord, leaf: Uint8Array) => void): void {
  const { jobs, keys, createdAt, random } = request
  const records = sealRecords(jobs.map(({ draft, keyIndex, seq }) => ({ draft, channelKey: keys[keyIndex]!, seq })), createdAt, random)
  for (let i = 0; i < records.length; i++) {
    leaves.set(recordLeafHash(records[i]!), i * 32)
    each(records[i]!, leaves.subarray(i * 32, i * 32 + 32))
  }
}

/** Job `i` of a request as the stored record its sealed columns make. */
export function sealedRecord(request: SealRequest, sealed: SealedBatch, i: number): StoredRecord {
  const { draft, seq } = request.jobs[i]!
  return {
    recordId: sealed.recordIds[i] as StoredRecord['recordId'],
    channelId: draft.channelId,
    seq,
    link: draft.link,
    publicFields: sealed.publicFields[i]!,
    privateCiphertext: sealed.privateCiphertexts[i] as StoredRecord['privateCiphertext'],
    wrappedRecordKey: sealed.wrappedRecordKeys[i] as StoredRecord['wrappedRecordKey'],
    source: draft.source,
    createdAt: request.createdAt,
  }
}
