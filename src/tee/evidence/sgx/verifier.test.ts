import 'reflect-metadata'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { X509CertificateGenerator } from '@peculiar/x509'
import { EvidenceError } from '../../../errors/tee.ts'
import type { SgxCollateral } from './collateral.ts'
import type { SgxQuote } from './quote.ts'
import { flip, loadSgxSample, OFFSETS, SKIP_REASON, withCertificationData } from './testData.ts'
import { createSgxDcapVerifier } from './verifier.ts'

const sample = loadSgxSample()
const inWindow = { now: new Date('2025-07-01T00:00:00Z') }
const ROOT_NAME = 'CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US'

const refusal = (failure: string, reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof EvidenceError, `expected EvidenceError, got ${e}`)
  assert.equal(e.platform, 'sgx-dcap')
  assert.equal(e.failure, failure, e.reason)
  assert.match(e.reason, reason)
  return true
}

/** A self-signed P-256 CA with the Intel root's name but another key. */
async function lookAlikeRootPem(): Promise<string> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: ROOT_NAME,
    notBefore: new Date('2018-01-01T00:00:00Z'),
    notAfter: new Date('2049-12-31T00:00:00Z'),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  })
  return cert.toString('pem')
}

const replaceLastPem = (chain: string, pem: string) => {
  const blocks = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
  return [...blocks.slice(0, -1), pem].join('\n') + '\n'
}

describe('SGX DCAP verifier on the real dcap-qvl sample', () => {
  if (!sample) {
    test('real sample', (t) => t.skip(SKIP_REASON))
    return
  }
  const verifier = createSgxDcapVerifier({ collateral: sample.collateral as SgxCollateral })

  test('verifies at 2025-07-01: ConfigurationAndSWHardeningNeeded, MRENCLAVE/MRSIGNER as at the hand offsets', async (t) => {
    const result = await verifier.verify(sample.quote, inWindow)
    const at = (o: number, n: number) => `0x${Buffer.from(sample.quote.subarray(o, o + n)).toString('hex')}`
    t.diagnostic(`MRENCLAVE ${result.measurement} MRSIGNER ${result.signer}`)
    assert.equal(result.platform, 'sgx-dcap')
    assert.equal(result.measurement, at(OFFSETS.mrEnclave, 32))
    assert.equal(result.signer, at(OFFSETS.mrSigner, 32))
    assert.equal(result.reportData, at(OFFSETS.reportData, 64))
    assert.equal(result.measurement, '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb')
    assert.equal(result.tcbStatus, 'ConfigurationAndSWHardeningNeeded')
    assert.deepEqual(result.advisoryIds, ['INTEL-SA-00289', 'INTEL-SA-00615'])
    assert.equal(result.debug, false)
    assert.equal(result.details.fmspc, '00A067110000')
    assert.equal(result.details.qeTcbStatus, 'UpToDate')
    assert.deepEqual(result.details.tcbComponents, [11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert.match(String(result.details.pckSubject), /CN=Intel SGX PCK Certificate/)
    assert.doesNotThrow(() => JSON.stringify(result.details))
  })

  test('collateral as a function receives the parsed quote', async () => {
    let seen: SgxQuote | undefined
    const fetching = createSgxDcapVerifier({ collateral: async (q) => ((seen = q), sample.collateral as SgxCollateral) })
    const result = await fetching.verify(sample.quote, inWindow)
    assert.equal(result.tcbStatus, 'ConfigurationAndSWHardeningNeeded')
    assert.equal(`0x${Buffer.from(seen!.isvReport.mrEnclave).toString('hex')}`, result.measurement)
  })

  test('at 2026-11-21 the TCB info has expired', async () => {
    await assert.rejects(verifier.verify(sample.quote, { now: new Date('2026-11-21T00:00:00Z') }), refusal('expired', /the TCB info expired at 2025-07-19T10:56:11Z/))
  })

  test('before the TCB info was issued it is not yet valid', async () => {
    await assert.rejects(verifier.verify(sample.quote, { now: new Date('2025-06-01T00:00:00Z') }), refusal('expired', /the TCB info is not valid before its issueDate 2025-06-19T10:56:11Z/))
  })

  test('a flipped byte in the ISV report body breaks the ISV quote signature', async () => {
    await assert.rejects(verifier.verify(flip(sample.quote, OFFSETS.mrEnclave + 5), inWindow), refusal('signature', /ISV quote signature/))
  })

  test('a flipped byte in the ISV signature itself breaks it', async () => {
    await assert.rejects(verifier.verify(flip(sample.quote, OFFSETS.isvSignature + 10), inWindow), refusal('signature', /ISV quote signature/))
  })

  test('a flipped byte in the QE report breaks the QE report signature (checked before the binding)', async () => {
    await assert.rejects(verifier.verify(flip(sample.quote, OFFSETS.qeReport + 100), inWindow), refusal('signature', /QE report signature/))
  })

  test('a flipped byte in the attestation key breaks the QE report data binding', async () => {
    await assert.rejects(verifier.verify(flip(sample.quote, OFFSETS.attestationKey + 3), inWindow), refusal('binding', /SHA-256\(attestation key \|\| QE authentication data\)/))
  })

  test('a flipped byte in the QE authentication data breaks the binding', async () => {
    await assert.rejects(verifier.verify(flip(sample.quote, OFFSETS.qeAuthLength + 2 + 7), inWindow), refusal('binding', /QE report data/))
  })

  test('a truncated quote is malformed', async () => {
    await assert.rejects(verifier.verify(sample.quote.subarray(0, sample.quote.length - 1), inWindow), refusal('malformed', /length says/))
  })

  test('an edited TCB info is refused by its signature', async () => {
    const tcbInfo = sample.collateral.tcb_info!.replace('"tcbStatus":"SWHardeningNeeded"', '"tcbStatus":"UpToDate"')
    assert.notEqual(tcbInfo, sample.collateral.tcb_info)
    const edited = createSgxDcapVerifier({ collateral: { ...sample.collateral, tcb_info: tcbInfo } as SgxCollateral })
    await assert.rejects(edited.verify(sample.quote, inWindow), refusal('signature', /the signature of the TCB info does not verify/))
  })

  test('an edited QE identity is refused by its signature', async () => {
    const qeIdentity = sample.collateral.qe_identity!.replace('"isvprodid":1', '"isvprodid":2')
    assert.notEqual(qeIdentity, sample.collateral.qe_identity)
    const edited = createSgxDcapVerifier({ collateral: { ...sample.collateral, qe_identity: qeIdentity } as SgxCollateral })
    await assert.rejects(edited.verify(sample.quote, inWindow), refusal('signature', /the signature of the QE identity/))
  })

  test('a PCK chain ending at a look-alike self-signed root is refused as chain', async () => {
    const parsed = (await import('./quote.ts')).parseSgxQuote(sample.quote)
    const forged = withCertificationData(sample.quote, replaceLastPem(parsed.pckChainPem, await lookAlikeRootPem()))
    await assert.rejects(verifier.verify(forged, inWindow), refusal('chain', /the PCK chain ends at "Intel SGX Root CA" \(SHA-256 [0-9a-f]{64}\), not the pinned Intel SGX Root CA/))
  })

  test('a PCK chain without its root is refused as chain', async () => {
    const parsed = (await import('./quote.ts')).parseSgxQuote(sample.quote)
    const blocks = parsed.pckChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
    const forged = withCertificationData(sample.quote, blocks.slice(0, 2).join('\n'))
    await assert.rejects(verifier.verify(forged, inWindow), refusal('chain', /ends at "Intel SGX PCK Processor CA"/))
  })

  test('a TCB info issuer chain ending at a look-alike root is refused as chain', async () => {
    const chain = replaceLastPem(sample.collateral.tcb_info_issuer_chain!, await lookAlikeRootPem())
    const forged = createSgxDcapVerifier({ collateral: { ...sample.collateral, tcb_info_issuer_chain: chain } as SgxCollateral })
    await assert.rejects(forged.verify(sample.quote, inWindow), refusal('chain', /the TCB info issuer chain ends at/))
  })

  test('a CRL signed by someone else is refused', async () => {
    const swapped = createSgxDcapVerifier({ collateral: { ...sample.collateral, pck_crl: sample.collateral.root_ca_crl } as SgxCollateral })
    await assert.rejects(swapped.verify(sample.quote, inWindow), refusal('chain', /the PCK CRL is issued by "CN=Intel SGX Root CA/))
  })

  test('collateral missing a field is malformed', async () => {
    const { qe_identity: _dropped, ...rest } = sample.collateral
    const broken = createSgxDcapVerifier({ collateral: rest as unknown as SgxCollateral })
    await assert.rejects(broken.verify(sample.quote, inWindow), refusal('malformed', /qe_identity/))
  })
})
