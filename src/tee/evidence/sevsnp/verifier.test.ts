import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it, type TestContext } from 'node:test'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'
import type { EvidenceFailure } from '../types.ts'
import { encodeSnpEvidence } from './evidence.ts'
import { MILAN_ARK_PEM, MILAN_ASK_PEM } from './roots.ts'
import { DATA_DIR, makeRsaCa, makeRsaIntermediate, makeReport, makeSelfSignedVcek, makeVcek, signReport } from './testFixtures.ts'
import { createSevSnpVerifier } from './verifier.ts'

const haveData = existsSync(DATA_DIR)
const SKIP = 'skipped: /work/shared/data/attestation/sev-snp is absent'
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, DATA_DIR)))
const AT = { now: new Date('2025-01-01T00:00:00Z') }

async function refusal(promise: Promise<unknown>, failure: EvidenceFailure, reason: RegExp): Promise<EvidenceError> {
  const err = await promise.then(
    () => assert.fail(`expected a ${failure} refusal, but the evidence verified`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof EvidenceError, `expected EvidenceError, got ${String(err)}`)
  assert.equal(err.platform, 'sev-snp')
  assert.equal(err.failure, failure, `failure kind (reason: ${err.reason})`)
  assert.match(err.reason, reason)
  return err
}

/** Real data, or a skip that says why. */
function real(t: TestContext): { report: Uint8Array; vcek: Uint8Array } | undefined {
  if (!haveData) {
    t.skip(SKIP)
    return undefined
  }
  return { report: load('attestation.bin'), vcek: load('vcek.der') }
}

describe('SEV-SNP verifier on the real Milan report (go-sev-guest testdata)', () => {
  it('verifies at 2025-01-01 and returns the measurement at offset 0x90, report data, debug bit and TCB', async (t) => {
    const data = real(t)
    if (!data) return
    const facts = await createSevSnpVerifier().verify(encodeSnpEvidence(data), AT)
    // Independent reading of the ABI table: MEASUREMENT at 0x90 (48 bytes), REPORT_DATA at 0x50 (64).
    assert.equal(facts.measurement, bytesToHex(data.report.subarray(0x90, 0xc0)))
    assert.equal(facts.measurement, '0xb07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01')
    assert.equal(facts.reportData, bytesToHex(data.report.subarray(0x50, 0x90)))
    assert.equal(facts.platform, 'sev-snp')
    // Policy 0x0B0000: bit 19 (DEBUG) is set in byte 0x0A, bit 3.
    assert.equal(data.report[0x0a] & 0x08, 0x08)
    assert.equal(facts.debug, true)
    assert.equal(facts.tcbStatus, 'UpToDate')
    assert.deepEqual(facts.advisoryIds, [])
    assert.equal(facts.details.version, 2)
    assert.equal(facts.details.policy, '0x00000000000b0000')
    assert.equal(facts.details.chipId, bytesToHex(data.report.subarray(0x1a0, 0x1e0)))
    assert.deepEqual(facts.details.reportedTcb, { bootloader: 2, tee: 0, snp: 5, microcode: 0x44, raw: '0x4405000000000002' })
    assert.equal(JSON.parse(JSON.stringify(facts.details)).vmpl, 0, 'details are JSON-safe')
  })

  it('accepts a bare report with a configured VCEK or a vcekFor lookup, and refuses one without', async (t) => {
    const data = real(t)
    if (!data) return
    const withVcek = await createSevSnpVerifier({ vcek: data.vcek }).verify(data.report, AT)
    assert.equal(withVcek.measurement, bytesToHex(data.report.subarray(0x90, 0xc0)))
    const asked: string[] = []
    const viaLookup = createSevSnpVerifier({
      vcekFor: async (report) => {
        asked.push(report.chipId)
        return data.vcek
      },
    })
    assert.equal((await viaLookup.verify(data.report, AT)).measurement, withVcek.measurement)
    assert.deepEqual(asked, [bytesToHex(data.report.subarray(0x1a0, 0x1e0))])
    await refusal(createSevSnpVerifier().verify(data.report, AT), 'chain', /bare report.*neither a VCEK nor a vcekFor/)
    const failing = createSevSnpVerifier({ vcekFor: () => Promise.reject(new Error('KDS answered 404')) })
    await refusal(failing.verify(data.report, AT), 'chain', /no VCEK found for chip 0x3ac3fe21.* \(KDS answered 404\)/)
  })

  it('refuses at 2030-01-01 because the VCEK expired, and before the VCEK was issued', async (t) => {
    const data = real(t)
    if (!data) return
    const verifier = createSevSnpVerifier()
    await refusal(verifier.verify(encodeSnpEvidence(data), { now: new Date('2030-01-01T00:00:00Z') }), 'expired', /VCEK certificate expired at 2029-09-24/)
    await refusal(verifier.verify(encodeSnpEvidence(data), { now: new Date('2021-06-01T00:00:00Z') }), 'expired', /VCEK certificate is not valid before 2022-09-24/)
  })

  it('refuses a flipped measurement byte and a flipped signature byte (signature)', async (t) => {
    const data = real(t)
    if (!data) return
    const verifier = createSevSnpVerifier()
    const measurement = data.report.slice()
    measurement[0x90 + 17] ^= 0x01
    await refusal(verifier.verify(encodeSnpEvidence({ report: measurement, vcek: data.vcek }), AT), 'signature', /does not verify under the VCEK/)
    const r = data.report.slice()
    r[0x2a0] ^= 0x80 // least significant byte of r
    await refusal(verifier.verify(encodeSnpEvidence({ report: r, vcek: data.vcek }), AT), 'signature', /does not verify/)
    const s = data.report.slice()
    s[0x2a0 + 72 + 47] ^= 0x01 // most significant byte of s
    await refusal(verifier.verify(encodeSnpEvidence({ report: s, vcek: data.vcek }), AT), 'signature', /does not verify/)
  })

  it('refuses any single flipped bit in the signed bytes 0x000..0x29F (property: signature or malformed, never accepted)', async (t) => {
    const data = real(t)
    if (!data) return
    const verifier = createSevSnpVerifier({ vcek: data.vcek })
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 0x29f }), fc.integer({ min: 0, max: 7 }), async (offset, bit) => {
        const report = data.report.slice()
        report[offset] ^= 1 << bit
        const err = await verifier.verify(report, AT).then(() => undefined, (e: unknown) => e)
        assert.ok(err instanceof EvidenceError, `flipping bit ${bit} at 0x${offset.toString(16)} was accepted`)
        assert.ok(err.failure === 'signature' || err.failure === 'malformed', `${err.failure}: ${err.reason}`)
      }),
      { numRuns: 60 },
    )
  })

  it('refuses a self-signed P-384 "VCEK" (chain), even when the report is re-signed with its key', async (t) => {
    const data = real(t)
    if (!data) return
    const fake = await makeSelfSignedVcek()
    const resigned = await signReport(data.report, fake.keys.privateKey)
    await refusal(createSevSnpVerifier().verify(encodeSnpEvidence({ report: resigned, vcek: fake.der }), AT), 'chain', /VCEK's issuer .* is not the ASK's subject/)
  })

  it('refuses the real chain when the pinned ARK is a generated RSA CA with the same name (chain)', async (t) => {
    const data = real(t)
    if (!data) return
    const ca = await makeRsaCa('ARK-Milan')
    await refusal(createSevSnpVerifier({ arkPem: ca.pem }).verify(encodeSnpEvidence(data), AT), 'chain', /the ASK is not signed by the pinned ARK/)
  })

  it('refuses a truncated report, a truncated container and a VCEK that is not DER (malformed)', async (t) => {
    const data = real(t)
    if (!data) return
    const verifier = createSevSnpVerifier({ vcek: data.vcek })
    await refusal(verifier.verify(data.report.subarray(0, 1183), AT), 'malformed', /1183 bytes/)
    await refusal(verifier.verify(encodeSnpEvidence({ report: data.report.subarray(0, 1000), vcek: data.vcek }), AT), 'malformed', /1000 bytes, an ATTESTATION_REPORT is exactly 1184/)
    const container = encodeSnpEvidence(data)
    await refusal(verifier.verify(container.subarray(0, container.length - 1), AT), 'malformed', /VCEK length .* runs past/)
    await refusal(verifier.verify(encodeSnpEvidence({ report: data.report, vcek: data.vcek.subarray(0, 100) }), AT), 'malformed', /VCEK is not a DER\/PEM X.509 certificate/)
  })

  it('embeds exactly the Milan ARK and ASK that go-sev-guest ships', (t) => {
    if (!haveData) return t.skip(SKIP)
    const certs = x509.PemConverter.decode(readFileSync(new URL('ask_ark_milan.pem', DATA_DIR), 'utf8'))
    assert.equal(certs.length, 2)
    const der = (pem: string) => Buffer.from(x509.PemConverter.decode(pem)[0]).toString('hex')
    assert.equal(der(MILAN_ASK_PEM), Buffer.from(certs[0]).toString('hex'))
    assert.equal(der(MILAN_ARK_PEM), Buffer.from(certs[1]).toString('hex'))
  })
})

describe('SEV-SNP verifier on a generated AMD-shaped chain', async () => {
  const ark = await makeRsaCa()
  const ask = await makeRsaIntermediate(ark)
  const chipId = new Uint8Array(64).fill(0xc1)
  const tcb = { bootloader: 3, tee: 0, snp: 8, microcode: 0xd1 }
  const vcek = await makeVcek(ask, { chipId, tcb })
  const verifier = createSevSnpVerifier({ arkPem: ark.pem, askPem: ask.pem })
  const signedReport = (over: Partial<Parameters<typeof makeReport>[0]> = {}) => signReport(makeReport({ chipId, tcb, ...over }), vcek.keys.privateKey)

  it('verifies a report signed by the chain (the fixtures are sound) and reads debug off', async () => {
    const facts = await verifier.verify(encodeSnpEvidence({ report: await signedReport({ measurementByte: 0x5a }), vcek: vcek.der }), AT)
    assert.equal(facts.measurement, `0x${'5a'.repeat(48)}`)
    assert.equal(facts.debug, false)
    assert.deepEqual(facts.details.reportedTcb, { bootloader: 3, tee: 0, snp: 8, microcode: 0xd1, raw: '0xd108000000000003' })
  })

  it('refuses a report from another chip signed with this VCEK (binding names chip_id)', async () => {
    const report = await signedReport({ chipId: new Uint8Array(64).fill(0xc2) })
    await refusal(verifier.verify(encodeSnpEvidence({ report, vcek: vcek.der }), AT), 'binding', /chip_id 0xc2c2.* is not the VCEK's hwID 0xc1c1/)
  })

  it('refuses each reported_tcb SPL that differs from the VCEK (binding names the SPL)', async () => {
    for (const name of ['bootloader', 'tee', 'snp', 'microcode'] as const) {
      const report = await signedReport({ tcb: { ...tcb, [name]: tcb[name] + 1 } })
      await refusal(verifier.verify(encodeSnpEvidence({ report, vcek: vcek.der }), AT), 'binding', new RegExp(`reported_tcb ${name} SPL ${tcb[name] + 1} is not the VCEK's ${tcb[name]}`))
    }
  })

  it('refuses a masked chip id (binding) and a VLEK-signed report (signature)', async () => {
    const masked = await signedReport({ signerInfo: 0b10 })
    await refusal(verifier.verify(encodeSnpEvidence({ report: masked, vcek: vcek.der }), AT), 'binding', /MASK_CHIP_KEY/)
    const vlek = await signedReport({ signerInfo: 0b100 })
    await refusal(verifier.verify(encodeSnpEvidence({ report: vlek, vcek: vcek.der }), AT), 'signature', /signed by a VLEK, not the VCEK/)
  })

  it('refuses a VCEK signed by the ARK directly and one signed with PKCS#1 v1.5 (chain)', async () => {
    const report = await signedReport()
    const fromArk = await makeVcek(ark, { chipId, tcb })
    // Same issuer name as the ASK would need: rename is impossible, so the name check fires first.
    await refusal(verifier.verify(encodeSnpEvidence({ report: await signReport(report, fromArk.keys.privateKey), vcek: fromArk.der }), AT), 'chain', /VCEK's issuer .*ARK-Milan.* is not the ASK's subject/)
    // The same ASK key, used for PKCS#1 v1.5 instead of PSS (WebCrypto ties a key to one scheme).
    const pkcs8 = await crypto.subtle.exportKey('pkcs8', ask.keys.privateKey)
    const pkcs1Key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }, false, ['sign'])
    const askPkcs1 = { ...ask, keys: { publicKey: ask.keys.publicKey, privateKey: pkcs1Key } }
    const pkcs1 = await makeVcek(askPkcs1, { chipId, tcb, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' } as Algorithm })
    await refusal(verifier.verify(encodeSnpEvidence({ report: await signReport(report, pkcs1.keys.privateKey), vcek: pkcs1.der }), AT), 'chain', /VCEK is signed with RSASSA-PKCS1-v1_5.*not RSA-PSS/)
  })

  it('refuses a VCEK from a different ASK with the same name (chain: signature of the link)', async () => {
    const otherAsk = await makeRsaIntermediate(ark)
    const other = await makeVcek(otherAsk, { chipId, tcb })
    const report = await signReport(makeReport({ chipId, tcb }), other.keys.privateKey)
    await refusal(verifier.verify(encodeSnpEvidence({ report, vcek: other.der }), AT), 'chain', /the VCEK is not signed by the pinned ASK/)
  })
})
