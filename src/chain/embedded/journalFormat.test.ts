import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { crc32 } from 'node:zlib'
import type { Hex } from 'viem'
import { decodeJournal, encodeFrames, type JournalRecord } from './journalFormat.ts'

const hash = (byte: string) => `0x${byte.repeat(32)}` as Hex
const records: JournalRecord[] = [
  { kind: 'header', version: 1, chainId: 31337n, genesisHash: hash('11') },
  { kind: 'block', number: 1n, timestamp: 1_767_225_600n, hash: hash('22'), txs: ['0x02f8aa01', '0xdeadbeef'] },
  { kind: 'clock', offsetSeconds: -3n },
  { kind: 'block', number: 2n, timestamp: 1_767_225_601n, hash: hash('33'), txs: [] },
  { kind: 'block', number: 3n, timestamp: 1_767_225_602n, hash: hash('44'), txs: [`0x${'ab'.repeat(300)}`] },
]

describe('journal format', () => {
  it('round-trips every record kind', () => {
    const decoded = decodeJournal(encodeFrames(records))
    assert.deepEqual(decoded.records, records)
    assert.equal(decoded.tornTail, undefined)
    assert.equal(decoded.corrupt, undefined)
  })

  it('treats a cut at any byte of the last frame as a torn tail and keeps everything before it', () => {
    const full = encodeFrames(records)
    const lastStart = encodeFrames(records.slice(0, -1)).length
    for (let cut = lastStart + 1; cut < full.length; cut++) {
      const decoded = decodeJournal(full.subarray(0, cut))
      assert.equal(decoded.corrupt, undefined, `cut at ${cut}`)
      assert.deepEqual(decoded.records, records.slice(0, -1))
      assert.equal(decoded.validEnd, lastStart)
      assert.deepEqual(decoded.tornTail?.offset, lastStart)
    }
  })

  it('treats garbage after the last frame (e.g. zero-filled pages after power loss) as a torn tail', () => {
    const full = encodeFrames(records)
    const decoded = decodeJournal(Buffer.concat([full, Buffer.alloc(4096)]))
    assert.deepEqual(decoded.records, records)
    assert.equal(decoded.tornTail?.bytes, 4096)
  })

  it('reports damage followed by valid frames as corruption, at the damaged frame', () => {
    const full = encodeFrames(records)
    const secondStart = encodeFrames(records.slice(0, 1)).length
    const thirdStart = encodeFrames(records.slice(0, 2)).length
    // Every single-byte change inside frame 2 (marker, length, checksum or payload) is caught.
    for (let at = secondStart; at < thirdStart; at++) {
      const damaged = Buffer.from(full)
      damaged[at] = damaged[at]! ^ 0x40
      const decoded = decodeJournal(damaged)
      assert.equal(decoded.corrupt?.offset, secondStart, `byte ${at}`)
      assert.equal(decoded.tornTail, undefined)
      assert.deepEqual(decoded.records, records.slice(0, 1))
    }
  })

  it('reports a checksummed frame with an undecodable payload as corruption', () => {
    const bad = encodeFrames([{ kind: 'clock', offsetSeconds: 0n }])
    bad[12] = 9 // unknown record kind, with a checksum that matches it
    bad.writeUInt32LE(crc32(bad.subarray(12), crc32(bad.subarray(4, 8))), 8)
    const decoded = decodeJournal(Buffer.concat([bad, encodeFrames(records)]))
    assert.equal(decoded.corrupt?.offset, 0)
    assert.match(decoded.corrupt!.reason, /unknown record kind 9/)
  })

  it('rejects malformed hex when encoding', () => {
    assert.throws(() => encodeFrames([{ kind: 'block', number: 1n, timestamp: 0n, hash: hash('22'), txs: ['0xabc'] }]), /even-length hex/)
    assert.throws(() => encodeFrames([{ kind: 'header', version: 1, chainId: 1n, genesisHash: '0x1234' }]), /expected 32 bytes/)
  })
})
