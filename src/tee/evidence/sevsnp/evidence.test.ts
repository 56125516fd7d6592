import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { EvidenceError } from '../../../errors/tee.ts'
import { decodeSnpEvidence, encodeSnpEvidence } from './evidence.ts'
import { SNP_REPORT_SIZE } from './report.ts'

function malformed(bytes: Uint8Array, reason: RegExp): void {
  assert.throws(
    () => decodeSnpEvidence(bytes),
    (e: unknown) => e instanceof EvidenceError && e.failure === 'malformed' && reason.test(e.reason),
  )
}

describe('SEV-SNP evidence container', () => {
  it('round-trips any report and non-empty VCEK (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), fc.uint8Array({ minLength: 1, maxLength: 1500 }), (report, vcek) => {
        const decoded = decodeSnpEvidence(encodeSnpEvidence({ report, vcek }))
        assert.deepEqual(decoded.report, report)
        assert.deepEqual(decoded.vcek, vcek)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses every truncation and any trailing byte (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (report, vcek, cut) => {
        const bytes = encodeSnpEvidence({ report, vcek })
        const truncated = bytes.subarray(0, cut % bytes.length)
        // A truncation that happens to be exactly a bare report's size would be read as one.
        if (truncated.length !== SNP_REPORT_SIZE) assert.throws(() => decodeSnpEvidence(truncated), EvidenceError)
        const longer = new Uint8Array(bytes.length + 1)
        longer.set(bytes)
        malformed(longer, /1 unexpected bytes follow the VCEK/)
      }),
      { numRuns: 200 },
    )
  })

  it('passes a bare 1,184-byte report through without a VCEK, and refuses other sizes', () => {
    const report = new Uint8Array(SNP_REPORT_SIZE).fill(2)
    const decoded = decodeSnpEvidence(report)
    assert.equal(decoded.report, report)
    assert.equal(decoded.vcek, undefined)
    malformed(new Uint8Array(100), /100 bytes are neither a DBSNP evidence container nor a 1184-byte report/)
  })

  it('refuses an unknown format version and an empty VCEK', () => {
    const bytes = encodeSnpEvidence({ report: new Uint8Array(4), vcek: new Uint8Array(4) })
    bytes[5] = 2
    malformed(bytes, /format version 2 is not 1/)
    malformed(encodeSnpEvidence({ report: new Uint8Array(4), vcek: new Uint8Array(0) }), /empty VCEK/)
  })
})
