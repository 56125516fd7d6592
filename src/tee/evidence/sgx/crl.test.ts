import 'reflect-metadata'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { X509CertificateGenerator, X509CrlGenerator, type X509Certificate } from '@peculiar/x509'
import { EvidenceError } from '../../../errors/tee.ts'
import { parsePemChain } from './certChain.ts'
import { assertNotRevoked, parseHexCrl, verifyCrl } from './crl.ts'
import { parseSgxQuote } from './quote.ts'
import { loadSgxSample, SKIP_REASON } from './testData.ts'

const PROCESSOR_CA = 'CN=Intel SGX PCK Processor CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US'
const alg = { name: 'ECDSA', hash: 'SHA-256' }
const now = new Date('2025-07-01T00:00:00Z')

const refusal = (failure: string, reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof EvidenceError, `expected EvidenceError, got ${e}`)
  assert.equal(e.failure, failure, e.reason)
  assert.match(e.reason, reason)
  return true
}

/** A test-only CA named like Intel's Processor CA, and a leaf it issued. */
async function testCa() {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const ca = await X509CertificateGenerator.createSelfSigned({ serialNumber: '0a', name: PROCESSOR_CA, notBefore: new Date('2020-01-01'), notAfter: new Date('2040-01-01'), keys, signingAlgorithm: alg })
  const leafKeys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  const leaf = await X509CertificateGenerator.create({
    serialNumber: '81b77732b761e98eb9b963a4abd1e5b9bf5dd8d6', subject: 'CN=Intel SGX PCK Certificate', issuer: PROCESSOR_CA,
    notBefore: new Date('2020-01-01'), notAfter: new Date('2040-01-01'), publicKey: leafKeys.publicKey, signingKey: keys.privateKey, signingAlgorithm: alg,
  })
  const crl = (serials: string[], nextUpdate = new Date('2025-08-01')) =>
    X509CrlGenerator.create({ issuer: PROCESSOR_CA, thisUpdate: new Date('2025-06-01'), nextUpdate, entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date('2025-06-15T00:00:00Z') })), signingKey: keys.privateKey, signingAlgorithm: alg })
  return { ca, leaf, crl }
}

test('a current CRL by the right issuer listing the certificate revokes it', async () => {
  const { ca, leaf, crl } = await testCa()
  const listing = await crl(['01', leaf.serialNumber])
  await verifyCrl({ crl: listing, issuer: ca, now, what: 'the test CRL' })
  assert.throws(() => assertNotRevoked(listing, leaf, 'the test CRL'), refusal('revoked', /"Intel SGX PCK Certificate" \(serial 81b77732b761e98eb9b963a4abd1e5b9bf5dd8d6\) is listed on the test CRL, revoked at 2025-06-15/))
  const other = await crl(['01', '02'])
  assert.doesNotThrow(() => assertNotRevoked(other, leaf, 'the test CRL'))
})

test('a stale, future or foreign-key CRL is refused', async () => {
  const { ca, crl } = await testCa()
  const stale = await crl([], new Date('2025-06-20'))
  await assert.rejects(verifyCrl({ crl: stale, issuer: ca, now, what: 'the test CRL' }), refusal('expired', /the test CRL expired at 2025-06-20/))
  await assert.rejects(verifyCrl({ crl: await crl([]), issuer: ca, now: new Date('2025-05-01'), what: 'the test CRL' }), refusal('expired', /not valid before/))
  const other = await testCa()
  await assert.rejects(verifyCrl({ crl: await crl([]), issuer: other.ca, now, what: 'the test CRL' }), refusal('signature', /does not verify/))
})

test('real collateral: the test CA cannot revoke through Intel\'s CRL slot, and Intel\'s CRLs list neither the PCK nor its CA', async (t) => {
  const sample = loadSgxSample()
  if (!sample) return t.skip(SKIP_REASON)
  const [pck, intelCa] = parsePemChain(parseSgxQuote(sample.quote).pckChainPem, 'the PCK chain') as [X509Certificate, X509Certificate, X509Certificate]
  const { crl } = await testCa()
  // Same issuer name as Intel's Processor CA, listing the real PCK serial, but not Intel's key.
  const forged = await crl([pck.serialNumber])
  await assert.rejects(verifyCrl({ crl: forged, issuer: intelCa, now, what: 'the PCK CRL' }), refusal('signature', /the PCK CRL does not verify under "Intel SGX PCK Processor CA"/))
  assert.throws(() => assertNotRevoked(forged, pck, 'the forged CRL'), refusal('revoked', /81b77732b761e98eb9b963a4abd1e5b9bf5dd8d6/))

  const pckCrl = parseHexCrl(sample.collateral.pck_crl!, 'the PCK CRL')
  await verifyCrl({ crl: pckCrl, issuer: intelCa, now, what: 'the PCK CRL' })
  assertNotRevoked(pckCrl, pck, 'the PCK CRL')
  await assert.rejects(verifyCrl({ crl: pckCrl, issuer: intelCa, now: new Date('2025-07-20T00:00:00Z'), what: 'the PCK CRL' }), refusal('expired', /the PCK CRL expired at 2025-07-19T10:23:18/))
  assert.throws(() => parseHexCrl('zz', 'the PCK CRL'), refusal('malformed', /not hex-encoded DER/))
  assert.throws(() => parseHexCrl('3000', 'the PCK CRL'), refusal('malformed', /does not decode/))
})
