/**
 * The binary format of the chain journal: pure encoding and decoding, no I/O.
 *
 * A journal is a sequence of frames:
 *
 *   magic u32 (0xDB0A1A57) | payload length u32 | crc32(length bytes + payload) u32 | payload
 *
 * (all integers little-endian). The payload's first byte is the record kind:
 *
 *   1 header  version u16 | chainId u64 | genesis block hash (32 bytes)
 *   2 block   number u64 | timestamp u64 | block hash (32) | tx count u32 | (length u32 | raw signed tx)*
 *   3 clock   chain clock offset to wall time, seconds, i64
 *
 * Decoding tells a torn tail (the last, unacknowledged append was cut by a crash: no valid
 * frame follows the damage) from corruption (a valid frame follows the damage).
 */
import { crc32 } from 'node:zlib'
import type { Hex } from 'viem'

/** Current journal format version, stored in the header record. */
export const JOURNAL_VERSION = 1
const MAGIC = 0xdb0a1a57
const FRAME_HEADER_BYTES = 12
/** Largest payload accepted when decoding; a larger length field is damage. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

/** First record of every journal: ties it to one genesis. */
export type HeaderRecord = { kind: 'header'; version: number; chainId: bigint; genesisHash: Hex }
/** One mined block: enough to re-mine it identically and to check the result. */
export type BlockRecord = { kind: 'block'; number: bigint; timestamp: bigint; hash: Hex; txs: Hex[] }
/** The chain clock's offset to wall time after a development time change, in seconds. */
export type ClockRecord = { kind: 'clock'; offsetSeconds: bigint }
/** Any journal record. */
export type JournalRecord = HeaderRecord | BlockRecord | ClockRecord

/** Result of {@link decodeJournal}. */
export type DecodeJournalReturnType = {
  records: JournalRecord[]
  /** Byte offset just past the last valid frame. */
  validEnd: number
  /** Set when the bytes after `validEnd` are a torn tail (safe to truncate). */
  tornTail?: { offset: number; bytes: number; reason: string } | undefined
  /** Set when damage is followed by valid frames: the journal must not be used. */
  corrupt?: { offset: number; reason: string } | undefined
}

/**
 * Encodes records as consecutive frames, ready for one append.
 *
 * @example
 * const bytes = encodeFrames([{ kind: 'clock', offsetSeconds: 0n }])
 */
export function encodeFrames(records: readonly JournalRecord[]): Buffer {
  return Buffer.concat(records.map((r) => frame(encodePayload(r))))
}

/**
 * Decodes a whole journal file.
 *
 * @example
 * const { records, tornTail, corrupt } = decodeJournal(readFileSync(path))
 */
export function decodeJournal(buf: Uint8Array): DecodeJournalReturnType {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const records: JournalRecord[] = []
  let offset = 0
  while (offset < bytes.length) {
    const result = readFrame(bytes, offset)
    if ('payload' in result) {
      let record: JournalRecord
      try {
        record = decodePayload(result.payload)
      } catch (err) {
        // A checksummed frame with an undecodable payload is not a torn write.
        return { records, validEnd: offset, corrupt: { offset, reason: (err as Error).message } }
      }
      records.push(record)
      offset = result.end
      continue
    }
    if (nextValidFrame(bytes, offset + 1) !== -1) return { records, validEnd: offset, corrupt: { offset, reason: result.error } }
    return { records, validEnd: offset, tornTail: { offset, bytes: bytes.length - offset, reason: result.error } }
  }
  return { records, validEnd: offset }
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  out.writeUInt32LE(MAGIC, 0)
  out.writeUInt32LE(payload.length, 4)
  out.writeUInt32LE(crc32(payload, crc32(out.subarray(4, 8))), 8)
  payload.copy(out, FRAME_HEADER_BYTES)
  return out
}

function readFrame(bytes: Buffer, offset: number): { payload: Buffer; end: number } | { error: string } {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return { error: 'incomplete frame header' }
  if (bytes.readUInt32LE(offset) !== MAGIC) return { error: 'bad frame marker' }
  const length = bytes.readUInt32LE(offset + 4)
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return { error: `implausible frame length ${length}` }
  const end = offset + FRAME_HEADER_BYTES + length
  if (end > bytes.length) return { error: 'frame extends past end of file' }
  const payload = bytes.subarray(offset + FRAME_HEADER_BYTES, end)
  const expected = bytes.readUInt32LE(offset + 8)
  if (crc32(payload, crc32(bytes.subarray(offset + 4, offset + 8))) !== expected) return { error: 'checksum mismatch' }
  return { payload, end }
}

/** Offset of the first complete, checksummed frame at or after `from`, or -1. */
function nextValidFrame(bytes: Buffer, from: number): number {
  const marker = Buffer.allocUnsafe(4)
  marker.writeUInt32LE(MAGIC, 0)
  let at = bytes.indexOf(marker, from)
  while (at !== -1) {
    if ('payload' in readFrame(bytes, at)) return at
    at = bytes.indexOf(marker, at + 1)
  }
  return -1
}

function encodePayload(record: JournalRecord): Buffer {
  switch (record.kind) {
    case 'header': {
      const out = Buffer.alloc(1 + 2 + 8 + 32)
      out.writeUInt8(1, 0)
      out.writeUInt16LE(record.version, 1)
      out.writeBigUInt64LE(record.chainId, 3)
      hexBytes(record.genesisHash, 32).copy(out, 11)
      return out
    }
    case 'block': {
      const txs = record.txs.map((tx) => hexBytes(tx))
      const out = Buffer.allocUnsafe(1 + 8 + 8 + 32 + 4 + txs.reduce((n, tx) => n + 4 + tx.length, 0))
      out.writeUInt8(2, 0)
      out.writeBigUInt64LE(record.number, 1)
      out.writeBigUInt64LE(record.timestamp, 9)
      hexBytes(record.hash, 32).copy(out, 17)
      out.writeUInt32LE(txs.length, 49)
      let at = 53
      for (const tx of txs) {
        out.writeUInt32LE(tx.length, at)
        tx.copy(out, at + 4)
        at += 4 + tx.length
      }
      return out
    }
    case 'clock': {
      const out = Buffer.alloc(9)
      out.writeUInt8(3, 0)
      out.writeBigInt64LE(record.offsetSeconds, 1)
      return out
    }
  }
}

function decodePayload(p: Buffer): JournalRecord {
  const need = (n: number) => {
    if (p.length < n) throw new Error(`record of kind ${p[0]} is ${p.length} bytes, needs ${n}`)
  }
  switch (p.readUInt8(0)) {
    case 1:
      need(43)
      return { kind: 'header', version: p.readUInt16LE(1), chainId: p.readBigUInt64LE(3), genesisHash: toHex(p.subarray(11, 43)) }
    case 2: {
      need(53)
      const count = p.readUInt32LE(49)
      const txs: Hex[] = []
      let at = 53
      for (let i = 0; i < count; i++) {
        need(at + 4)
        const length = p.readUInt32LE(at)
        need(at + 4 + length)
        txs.push(toHex(p.subarray(at + 4, at + 4 + length)))
        at += 4 + length
      }
      if (at !== p.length) throw new Error(`block record has ${p.length - at} trailing bytes`)
      return { kind: 'block', number: p.readBigUInt64LE(1), timestamp: p.readBigUInt64LE(9), hash: toHex(p.subarray(17, 49)), txs }
    }
    case 3:
      need(9)
      return { kind: 'clock', offsetSeconds: p.readBigInt64LE(1) }
    default:
      throw new Error(`unknown record kind ${p.readUInt8(0)}`)
  }
}

function hexBytes(hex: Hex, size?: number): Buffer {
  if (hex.length % 2 !== 0 || !/^0x[0-9a-fA-F]*$/.test(hex)) throw new TypeError(`not an even-length hex string: ${hex.slice(0, 20)}`)
  const out = Buffer.from(hex.slice(2), 'hex')
  if (size !== undefined && out.length !== size) throw new TypeError(`expected ${size} bytes, got ${out.length}`)
  return out
}

function toHex(bytes: Buffer): Hex {
  return `0x${bytes.toString('hex')}`
}
