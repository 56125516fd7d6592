import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'
import { parseSnpReport, SNP_REPORT_SIZE } from './report.ts'
import { DATA_DIR, makeReport } from './testFixtures.ts'

const chipId = new Uint8Array(64).map((_, i) => i + 1)
const tcb = { bootloader: 4, tee: 1, snp: 22, microcode: 0xdb }
const base = () => makeReport({ chipId, tcb })

function malformed(bytes: Uint8Array, reason: RegExp): void {
  assert.throws(
    () => parseSnpReport(bytes),
    (e: unknown) => e instanceof EvidenceError && e.failure === 'malformed' && reason.test(e.reason),
  )
}

/** Reserved byte ranges of a version-2 report per the ABI table [from, to). */
const RESERVED: Array<[number, number]> = [
  [0x4c, 0x50],
  [0x188, 0x1a0],
  [0x1eb, 0x1ec],
  [0x1ef, 0x1f0],
  [0x1f8, 0x2a0],
  [0x2a0 + 48, 0x2a0 + 72], // r padding
  [0x2a0 + 72 + 48, 0x2a0 + 144], // s padding
  [0x2a0 + 144, 0x4a0],
  [0x38 + 2, 0x38 + 6], // TCB_VERSION reserved bytes: current, reported, committed, launch
  [0x180 + 2, 0x180 + 6],
  [0x1e0 + 2, 0x1e0 + 6],
  [0x1f0 + 2, 0x1f0 + 6],
]

describe('parseSnpReport', () => {
  it('reads every field at the offset the ABI table gives', () => {
    const bytes = base()
    bytes[0x04] = 7 // guest_svn
    bytes[0x30] = 1 // vmpl
    bytes.fill(0x22, 0xc0, 0xe0) // host_data
    bytes.fill(0x33, 0xe0, 0x110) // id_key_digest
    bytes.fill(0x44, 0x110, 0x140) // author_key_digest
    bytes[0x48] = 1 // author_key_en
    bytes.set([3, 0x31, 1], 0x1e8) // current build.minor.major
    const report = parseSnpReport(bytes)
    assert.equal(report.version, 2)
    assert.equal(report.guestSvn, 7)
    assert.equal(report.vmpl, 1)
    assert.equal(report.policy, '0x0000000000030000')
    assert.deepEqual(report.policyFlags, { abiMinor: 0, abiMajor: 0, smt: true, migrateMa: false, debug: false, singleSocket: false })
    assert.equal(report.measurement, `0x${'ab'.repeat(48)}`)
    assert.equal(report.reportData, `0x${'11'.repeat(64)}`)
    assert.equal(report.hostData, `0x${'22'.repeat(32)}`)
    assert.equal(report.idKeyDigest, `0x${'33'.repeat(48)}`)
    assert.equal(report.authorKeyDigest, `0x${'44'.repeat(48)}`)
    assert.equal(report.authorKeyEn, true)
    assert.equal(report.signingKey, 'vcek')
    assert.equal(report.chipId, bytesToHex(chipId))
    assert.deepEqual(report.reportedTcb, { ...tcb, raw: '0xdb16000000000104' })
    assert.equal(report.currentVersion, '1.49.3')
    assert.equal(report.signedBytes.length, 0x2a0)
  })

  it('reads the DEBUG policy bit (19) and the r, s scalars big-endian', () => {
    const bytes = makeReport({ chipId, tcb, policy: 0x0b0000n })
    bytes[0x2a0] = 0x01 // least significant byte of r
    bytes[0x2a0 + 47] = 0x02 // most significant byte of r
    bytes[0x2a0 + 72] = 0x03
    const report = parseSnpReport(bytes)
    assert.equal(report.policyFlags.debug, true)
    assert.equal(report.signature.r[0], 0x02)
    assert.equal(report.signature.r[47], 0x01)
    assert.equal(report.signature.s[47], 0x03)
  })

  it('parses the real report with the fields read independently', (t) => {
    const url = new URL('attestation.bin', DATA_DIR)
    if (!existsSync(url)) return t.skip('skipped: /work/shared/data/attestation/sev-snp is absent')
    const bytes = new Uint8Array(readFileSync(url))
    const report = parseSnpReport(bytes)
    assert.equal(report.measurement, bytesToHex(bytes.subarray(0x90, 0xc0)))
    assert.equal(report.chipId, bytesToHex(bytes.subarray(0x1a0, 0x1e0)))
    assert.equal(report.reportId, bytesToHex(bytes.subarray(0x140, 0x160)))
    assert.equal(report.platformInfo, '0x0000000000000001')
    assert.equal(report.policyFlags.debug, true)
  })

  it('refuses wrong sizes, versions, signature algorithms and policy reserved bits', () => {
    malformed(base().subarray(0, SNP_REPORT_SIZE - 1), /1183 bytes, an ATTESTATION_REPORT is exactly 1184/)
    const longer = new Uint8Array(SNP_REPORT_SIZE + 1)
    longer.set(base())
    malformed(longer, /1185 bytes/)
    const v1 = base()
    v1[0] = 1
    malformed(v1, /version 1 is not supported/)
    const v6 = base()
    v6[0] = 6
    malformed(v6, /version 6 is newer than the layouts this verifier reads \(2\.\.5\)/)
    const v5 = base()
    v5[0] = 5
    v5.set([0xff, 0x01], 0x1f8) // LAUNCH_MIT_VECTOR
    v5[0x200] = 0x03 // CURRENT_MIT_VECTOR
    assert.deepEqual(parseSnpReport(v5).mitVectors, { launch: '0x00000000000001ff', current: '0x0000000000000003' })
    assert.equal(parseSnpReport(base()).mitVectors, undefined)
    v5[0x208] = 1
    malformed(v5, /at 0x208/)
    const algo = base()
    algo[0x34] = 2
    malformed(algo, /signature_algo 2 is not 1/)
    malformed(makeReport({ chipId, tcb, policy: 0x10000n }), /policy bit 17 is reserved and must be one/)
    malformed(makeReport({ chipId, tcb, policy: 0x30000n | (1n << 40n) }), /reserved bits 63:26/)
    malformed(makeReport({ chipId, tcb, signerInfo: 0b1000 }), /signing_key 2 is reserved/)
    malformed(makeReport({ chipId, tcb, signerInfo: 1 << 5 }), /reserved bits 31:5/)
  })

  it('refuses any non-zero byte in a reserved range, naming its offset (property)', () => {
    const offsets = fc.oneof(...RESERVED.map(([from, to]) => fc.integer({ min: from, max: to - 1 })))
    fc.assert(
      fc.property(offsets, fc.integer({ min: 1, max: 255 }), (offset, value) => {
        const bytes = base()
        bytes[offset] = value
        malformed(bytes, new RegExp(`at 0x${offset.toString(16)} is 0x${value.toString(16)}, must be zero`))
      }),
      { numRuns: 300 },
    )
  })

  it('accepts any bytes in the free-form fields and returns them unchanged (property)', () => {
    const fields = [
      { name: 'familyId', at: 0x10, length: 16 },
      { name: 'imageId', at: 0x20, length: 16 },
      { name: 'reportData', at: 0x50, length: 64 },
      { name: 'measurement', at: 0x90, length: 48 },
      { name: 'hostData', at: 0xc0, length: 32 },
      { name: 'reportId', at: 0x140, length: 32 },
      { name: 'reportIdMa', at: 0x160, length: 32 },
      { name: 'chipId', at: 0x1a0, length: 64 },
    ] as const
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.uint8Array({ minLength: 64, maxLength: 64 }), (field, value) => {
        const bytes = base()
        bytes.set(value.subarray(0, field.length), field.at)
        assert.equal(parseSnpReport(bytes)[field.name], bytesToHex(value.subarray(0, field.length)))
      }),
      { numRuns: 100 },
    )
  })

  it('accepts version 3 CPUID bytes but refuses a Turin (family 0x1A) report', () => {
    const v3 = base()
    v3[0] = 3
    v3.set([0x19, 0x01, 0x01], 0x188)
    assert.deepEqual(parseSnpReport(v3).cpuid, { family: 0x19, model: 1, stepping: 1 })
    v3[0x188] = 0x1a
    malformed(v3, /Turin/)
    const v2 = base()
    v2[0x188] = 0x19
    malformed(v2, /at 0x188/)
  })
})
