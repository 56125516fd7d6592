/**
 * A supervision record as stored off chain, and the bytes its Merkle leaf commits to.
 *
 * The leaf commits to the whole stored record — public fields, the private ciphertext, the
 * wrapped record key, its position and time — so changing any column of the row, or moving
 * the row to another position, changes the recomputed hash. Verification never needs a
 * key: a non-member supervisor can check a record whose private part it cannot read.
 */
import { hash, randomBytes } from 'node:crypto'
import { hexToBytes, type Hex } from 'viem'
import { canonicalJson, type CanonicalValue } from '../identity/canonicalJson.ts'
import { open, sealToHex } from './envelope.ts'
import type { Link, RecordDraft } from './links.ts'

/** The off-chain copy of a record (a `supervision_records` row, typed). */
export interface StoredRecord {
  recordId: Hex
  channelId: bigint
  seq: number
  link: Link
  /** Canonical JSON of the public fields. */
  publicFields: string
  privateCiphertext: Hex
  wrappedRecordKey: Hex
  source: string
  /** Unix milliseconds. */
  createdAt: number
}

/** The record id: SHA-256 of the channel and the source that produced it (so production is idempotent). */
export function recordIdOf(channelId: bigint, source: string): Hex {
  return `0x${hash('sha256', `databourse/supervision/v1/record:${channelId.toString(16)}:${source}`, 'hex')}`
}

const RECORD_TAG = 'databourse/supervision/record/v1'

/**
 * The bytes of a record that its Merkle leaf commits to (leaf hash = SHA-256(0x00 || these)):
 * one field per line in a fixed order — tag, record id, channel id (0x hex), position, link,
 * creation time (ms), source (length-prefixed), private ciphertext, wrapped record key — then
 * the public fields' canonical JSON to the end. Every field but the source and the public
 * fields has a fixed alphabet without newlines; the source carries its length and the public
 * fields come last, so the encoding is unambiguous (two different records never share bytes).
 */
export function recordBytes(r: StoredRecord): Uint8Array {
  return Buffer.from(recordText(r))
}

/** {@link recordBytes} as the string it is the UTF-8 encoding of. */
function recordText(r: StoredRecord): string {
  return `${RECORD_TAG}\n${r.recordId}\n0x${r.channelId.toString(16)}\n${r.seq}\n${r.link}\n${r.createdAt}\n${Buffer.byteLength(r.source)}:${r.source}\n${r.privateCiphertext}\n${r.wrappedRecordKey}\n${r.publicFields}`
}

/** RFC 9162 leaf hash of a record, computed here so this module has no other dependency. */
export function recordLeafHash(r: StoredRecord): Uint8Array {
  // One-shot SHA-256 of the UTF-8 string: "\u0000" encodes to the single byte 0x00, so this is
  // SHA-256(0x00 || recordBytes(r)) without building the bytes first (this runs once per
  // record written and once per verification).
  const digest = hash('sha256', `\u0000${recordText(r)}`, 'buffer')
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length)
}

/** Random bytes one record's sealing uses: record key (32) and two IVs (12 each). */
export const SEAL_RANDOM_BYTES = 56

/**
 * Encrypts a draft's private fields under a fresh record key wrapped with the channel key.
 * `random` (56 bytes, default fresh) lets a caller sealing thousands of records draw their
 * randomness in one call.
 */
export function sealRecord(draft: RecordDraft, channelKey: Uint8Array, seq: number, createdAt: number, random: Uint8Array = randomBytes(SEAL_RANDOM_BYTES)): StoredRecord {
  const recordId = recordIdOf(draft.channelId, draft.source)
  const aad = Buffer.from(recordId.slice(2), 'hex')
  const recordKey = random.subarray(0, 32)
  const privateCiphertext = sealToHex(recordKey, Buffer.from(canonicalJson(draft.privateFields as CanonicalValue)), aad, random.subarray(32, 44))
  const wrappedRecordKey = sealToHex(channelKey, recordKey, aad, random.subarray(44, 56))
  recordKey.fill(0)
  return {
    recordId,
    channelId: draft.channelId,
    seq,
    link: draft.link,
    publicFields: canonicalJson(draft.publicFields as CanonicalValue),
    privateCiphertext,
    wrappedRecordKey,
    source: draft.source,
    createdAt,
  }
}

/** Decrypts a record's private fields with the channel key; `undefined` if it does not open. */
export function openRecord(r: StoredRecord, channelKey: Uint8Array): Record<string, unknown> | undefined {
  const aad = hexToBytes(r.recordId)
  const recordKey = open(channelKey, hexToBytes(r.wrappedRecordKey), aad)
  if (!recordKey) return undefined
  const plaintext = open(recordKey, hexToBytes(r.privateCiphertext), aad)
  if (!plaintext) return undefined
  return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>
}
