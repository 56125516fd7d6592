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
import { KEY_LENGTH, open, sealedMessage, sealMany } from './envelope.ts'
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
 * `random` (56 bytes, default fresh) lets a caller choose the randomness; a caller sealing
 * thousands of records uses {@link sealRecords}.
 */
export function sealRecord(draft: RecordDraft, channelKey: Uint8Array, seq: number, createdAt: number, random: Uint8Array = randomBytes(SEAL_RANDOM_BYTES)): StoredRecord {
  return sealRecords([{ draft, channelKey, seq }], createdAt, random)[0]!
}

/** One record to seal: its draft, its channel's key and its position. */
export interface RecordToSeal {
  draft: RecordDraft
  channelKey: Uint8Array
  seq: number
}

/**
 * {@link sealRecord} for many records at once: each record's private fields under its fresh
 * record key, and the record key under its channel key — two AES-256-GCM seals per record,
 * all of a batch's in one call ({@link sealMany}). `random` holds {@link SEAL_RANDOM_BYTES}
 * per record, in order: record key (32), then the two IVs (12 each); the record keys in it
 * are zeroed once used.
 */
export function sealRecords(records: readonly RecordToSeal[], createdAt: number, random: Uint8Array): StoredRecord[] {
  const n = records.length
  if (random.length !== n * SEAL_RANDOM_BYTES) throw new RangeError(`sealRecords: ${n * SEAL_RANDOM_BYTES} random bytes needed, ${random.length} given`)
  const recordIds: Hex[] = new Array(n)
  const privateJson: string[] = new Array(n)
  let plaintextBytes = 0
  for (let i = 0; i < n; i++) {
    const { draft } = records[i]!
    recordIds[i] = recordIdOf(draft.channelId, draft.source)
    privateJson[i] = canonicalJson(draft.privateFields as CanonicalValue)
    plaintextBytes += Buffer.byteLength(privateJson[i]!) + KEY_LENGTH
  }
  // Two messages per record, both bound to the record id: 2i the private fields under the
  // record key, 2i + 1 the record key under the channel key.
  const keys = Buffer.allocUnsafe(2 * n * KEY_LENGTH)
  const ivs = Buffer.allocUnsafe(2 * n * 12)
  const aads = Buffer.allocUnsafe(2 * n * 32)
  const plaintext = Buffer.allocUnsafe(plaintextBytes)
  const offsets = new Uint32Array(2 * n + 1)
  let at = 0
  for (let i = 0; i < n; i++) {
    const r = random.subarray(i * SEAL_RANDOM_BYTES, (i + 1) * SEAL_RANDOM_BYTES)
    const recordKey = r.subarray(0, KEY_LENGTH)
    keys.set(recordKey, 2 * i * KEY_LENGTH)
    keys.set(records[i]!.channelKey, (2 * i + 1) * KEY_LENGTH)
    ivs.set(r.subarray(32, 56), 2 * i * 12) // both IVs, in message order
    aads.write(recordIds[i]!.slice(2), 2 * i * 32, 32, 'hex')
    aads.copyWithin((2 * i + 1) * 32, 2 * i * 32, (2 * i + 1) * 32)
    offsets[2 * i] = at
    at += plaintext.write(privateJson[i]!, at)
    offsets[2 * i + 1] = at
    plaintext.set(recordKey, at)
    at += KEY_LENGTH
  }
  offsets[2 * n] = at
  const sealed = sealMany({ keys, ivs, aads, aadLength: 32, plaintext, offsets })
  // The record keys live on only in their wrapped form.
  keys.fill(0)
  plaintext.fill(0)
  for (let i = 0; i < n; i++) random.fill(0, i * SEAL_RANDOM_BYTES, i * SEAL_RANDOM_BYTES + KEY_LENGTH)
  const out: StoredRecord[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const { draft, seq } = records[i]!
    out[i] = {
      recordId: recordIds[i]!,
      channelId: draft.channelId,
      seq,
      link: draft.link,
      publicFields: canonicalJson(draft.publicFields as CanonicalValue),
      privateCiphertext: `0x${sealedMessage(sealed, offsets, 2 * i).toString('hex')}`,
      wrappedRecordKey: `0x${sealedMessage(sealed, offsets, 2 * i + 1).toString('hex')}`,
      source: draft.source,
      createdAt,
    }
  }
  return out
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
