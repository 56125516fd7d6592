/**
 * Sealing a submission's accepted drafts: the pure part of the write path that runs on the
 * seal thread (or inline while it starts). Positions, keys and randomness come from the
 * caller, so the result depends on nothing else: the same jobs give the same bytes wherever
 * they are sealed.
 */
import type { RecordDraft } from '../links.ts'
import { recordLeafHash, SEAL_RANDOM_BYTES, sealRecord, type StoredRecord } from '../record.ts'

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
  /** {@link SEAL_RANDOM_BYTES} per job, in job order. */
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
  const { jobs, keys, createdAt, random } = request
  const out: SealedBatch = { recordIds: [], publicFields: [], privateCiphertexts: [], wrappedRecordKeys: [], leaves: new Uint8Array(jobs.length * 32) }
  for (let i = 0; i < jobs.length; i++) {
    const { draft, keyIndex, seq } = jobs[i]!
    const record = sealRecord(draft, keys[keyIndex]!, seq, createdAt, random.subarray(i * SEAL_RANDOM_BYTES, (i + 1) * SEAL_RANDOM_BYTES))
    out.recordIds.push(record.recordId)
    out.publicFields.push(record.publicFields)
    out.privateCiphertexts.push(record.privateCiphertext)
    out.wrappedRecordKeys.push(record.wrappedRecordKey)
    out.leaves.set(recordLeafHash(record), i * 32)
  }
  return out
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
