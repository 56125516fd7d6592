import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { bytesToHex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'
import type { EvidenceFailure } from '../types.ts'
import { decodeNitroDocument } from './document.ts'
import { DEBUG_DOC, HAVE_DATA, SKIP_NO_DATA, VALID_DOC, handWalk, loadSample, makeTestDocument, makeTestPki } from './testFixtures.ts'
import { createNitroVerifier } from './verifier.ts'

/** PCR0 of the valid sample as the sample's publisher (evervault/attestation-doc-validation) expects it. */
const PUBLISHED_PCR0 = '0xf4d48b81a460c9916d1e685119074bf24660afd3e34fae9fca0a0d28d9d5599936332687e6f66fc890ac8cf150142d8b'

async function refusal(promise: Promise<unknown>, failure: EvidenceFailure, reason: RegExp): Promise<EvidenceError> {
  const err = await promise.then(
    () => assert.fail(`expected a ${failure} refusal, but the evidence verified`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof EvidenceError, `expected EvidenceError, got ${String(err)}`)
  assert.equal(err.platform, 'nitro')
  assert.equal(err.failure, failure, `failure kind (reason: ${err.reason})`)
  assert.match(err.reason, reason)
  return err
}

function sample(t: TestContext, name: string): Uint8Array | undefined {
  if (!HAVE_DATA) {
    t.skip(SKIP_NO_DATA)
    return undefined
  }
  return loadSample(name)
}

/** Judge a sample at the instant it says it was produced (decoded, not verified, to read it). */
const ownTime = (doc: Uint8Array) => ({ now: decodeNitroDocument(doc).document.timestamp })

describe('Nitro verifier on the real samples (evervault/attestation-doc-validation)', () => {
  const verifier = createNitroVerifier()

  it('verifies the valid document at its own timestamp and returns PCR0 as the measurement', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    const at = ownTime(doc)
    assert.equal(at.now.toISOString(), '2022-10-13T08:58:02.136Z')
    const facts = await verifier.verify(doc, at)
    const { pcrStart } = handWalk(doc, 0)
    assert.equal(facts.measurement, bytesToHex(doc.subarray(pcrStart, pcrStart + 48)), 'PCR0 as found by walking the CBOR by hand')
    assert.equal(facts.measurement, PUBLISHED_PCR0)
    assert.equal(facts.platform, 'nitro')
    assert.equal(facts.debug, false)
    assert.equal(facts.reportData, '0x', 'this document carries no user_data')
    assert.equal(facts.tcbStatus, 'UpToDate')
    assert.deepEqual(facts.advisoryIds, [])
    assert.equal(facts.issuedAt?.toISOString(), '2022-10-13T08:58:02.136Z')
    assert.equal(facts.details.moduleId, 'i-020b6af9246d90e92-enc0183d09086c24190')
    assert.equal(facts.details.digest, 'SHA384')
    assert.equal(facts.details.publicKey, null)
    assert.equal((facts.details.nonce as string).length, 2 + 2 * 256)
    const pcrs = facts.details.pcrs as Record<string, string>
    assert.deepEqual(Object.keys(pcrs), ['0', '1', '2', '3', '4', '8'], 'named PCRs kept, zero PCR5..15 (not 8) dropped')
    const { pcrStart: pcr8 } = handWalk(doc, 8)
    assert.equal(pcrs['8'], bytesToHex(doc.subarray(pcr8, pcr8 + 48)))
    assert.deepEqual(JSON.parse(JSON.stringify(facts.details)), facts.details, 'details are JSON-safe')
  })

  it('also verifies inside the leaf validity window and refuses just after it, naming the leaf', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    await verifier.verify(doc, { now: new Date('2022-10-13T11:58:01Z') })
    await refusal(verifier.verify(doc, { now: new Date('2022-10-13T11:58:03Z') }), 'expired', /^the leaf certificate \(.*CN=i-020b6af9246d90e92-enc0183d09086c24190.* expired at 2022-10-13T11:58:02\.000Z \(now/)
    await refusal(verifier.verify(doc, { now: new Date('2022-10-13T08:57:58Z') }), 'expired', /^the leaf certificate .* is not valid before 2022-10-13T08:57:59\.000Z/)
    await refusal(verifier.verify(doc, { now: new Date('not a date') }), 'expired', /"now" is not a valid instant/)
  })

  it('refuses the valid document at 2026-11-21: the leaf certificate (and the intermediates) expired', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    const err = await refusal(verifier.verify(doc, { now: new Date('2026-11-21T00:00:00Z') }), 'expired', /^the leaf certificate \(.*\) expired at 2022-10-13T11:58:02\.000Z/)
    assert.match(err.reason, /cabundle\[1\] .* expired at 2022-10-28T13:32:56\.000Z/)
    assert.doesNotMatch(err.reason, /the root/, 'the root is valid until 2049')
  })

  it('refuses a flipped byte inside PCR0 and inside PCR8 (CBOR stays valid) with signature', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    for (const index of [0, 8]) {
      const tampered = doc.slice()
      tampered[handWalk(doc, index).pcrStart + 17] ^= 0x01
      assert.equal(decodeNitroDocument(tampered).document.pcrs.get(index)![17], doc[handWalk(doc, index).pcrStart + 17] ^ 0x01, 'still decodes, with the flipped PCR')
      await refusal(verifier.verify(tampered, ownTime(doc)), 'signature', /COSE ES384 signature over the document does not verify under the leaf certificate/)
    }
  })

  it('refuses a cabundle certificate whose own signature was altered, naming that link', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    const der = decodeNitroDocument(doc).document.cabundle[3]
    const at = Buffer.from(doc).indexOf(Buffer.from(der))
    assert.ok(at > 0)
    const tampered = doc.slice()
    tampered[at + der.length - 1] ^= 0x01 // last byte of the certificate's ECDSA s value
    await refusal(verifier.verify(tampered, ownTime(doc)), 'signature', /^cabundle\[3\] \(.*CN=i-020b6af9246d90e92\.us-east-1\.aws\.nitro-enclaves\)'s signature does not verify under cabundle\[2\]/)
  })

  it('refuses a flipped signature byte (first of r, last of s) with signature', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    const { signatureStart } = handWalk(doc)
    assert.equal(doc.length - signatureStart, 96)
    for (const offset of [0, 95]) {
      const tampered = doc.slice()
      tampered[signatureStart + offset] ^= 0x80
      await refusal(verifier.verify(tampered, ownTime(doc)), 'signature', /COSE ES384 signature .* does not verify/)
    }
  })

  it('refuses the document under a different pinned root with chain', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const other = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01', name: 'C=US, O=Amazon, OU=AWS, CN=aws.nitro-enclaves', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      notBefore: new Date('2019-01-01'), notAfter: new Date('2049-01-01'), extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    })
    const err = await refusal(createNitroVerifier({ rootPem: other.toString('pem') }).verify(doc, ownTime(doc)), 'chain', /cabundle\[0\] .* is not the pinned root/)
    assert.match(err.reason, /641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b/, 'names the fingerprint of what the document carried')
    await refusal(Promise.resolve().then(() => createNitroVerifier({ rootPem: 'not a certificate' })), 'chain', /pinned root is not a PEM X\.509 certificate/)
  })

  it('refuses truncated input, an empty input and trailing bytes with malformed', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    for (const cut of [1, 100, 2000, doc.length - 1]) {
      await refusal(verifier.verify(doc.subarray(0, cut), ownTime(doc)), 'malformed', /not valid CBOR \(Unexpected end of CBOR data\)/)
    }
    await refusal(verifier.verify(new Uint8Array(0), ownTime(doc)), 'malformed', /the attestation document is empty/)
    await refusal(verifier.verify(Uint8Array.of(...doc, 0), ownTime(doc)), 'malformed', /not valid CBOR \(Data read, but end of buffer not reached\)/)
  })

  it('refuses a protected header whose alg is changed from ES384 (-35) to ES512 (-36) with malformed', async (t) => {
    const doc = sample(t, VALID_DOC)
    if (!doc) return
    assert.deepEqual([...doc.subarray(1, 6)], [0x44, 0xa1, 0x01, 0x38, 0x22], 'protected header is bstr {1: -35}')
    const tampered = doc.slice()
    tampered[5] = 0x23 // -1 - 0x23 = -36
    await refusal(verifier.verify(tampered, ownTime(doc)), 'malformed', /protected header alg is -36, not ES384 \(-35\)/)
  })

  it('verifies the debug-mode document at its own timestamp with debug true and a zero PCR0', async (t) => {
    const doc = sample(t, DEBUG_DOC)
    if (!doc) return
    const at = ownTime(doc)
    assert.equal(at.now.toISOString(), '2022-10-12T13:50:06.081Z')
    const facts = await verifier.verify(doc, at)
    assert.equal(facts.debug, true)
    assert.equal(facts.measurement, `0x${'00'.repeat(48)}`)
    const { pcrStart } = handWalk(doc, 0)
    assert.ok(doc.subarray(pcrStart, pcrStart + 48).every((b) => b === 0), 'PCR0 is zero by the hand walk too')
    assert.equal(facts.reportData, bytesToHex(new TextEncoder().encode('hello, world!')))
    assert.equal(facts.details.publicKey, bytesToHex(new TextEncoder().encode('my super secret key')))
    assert.equal(facts.details.nonce, null)
    const userData = Buffer.from(doc).indexOf(Buffer.from('hello, world!'))
    const tampered = doc.slice()
    tampered[userData] ^= 0x20 // 'h' -> 'H': still a 13-byte bstr, so still valid CBOR
    assert.equal(new TextDecoder().decode(decodeNitroDocument(tampered).document.userData!), 'Hello, world!')
    await refusal(verifier.verify(tampered, at), 'signature', /COSE ES384 signature over the document does not verify/)
    // Its leaf lives 2022-10-12T13:49:51Z..16:49:54Z; the whole chain is valid in that window.
    await refusal(verifier.verify(doc, { now: new Date('2022-10-12T16:49:55Z') }), 'expired', /^the leaf certificate .* expired at 2022-10-12T16:49:54\.000Z/)
  })
})

describe('Nitro verifier on synthetic documents from a throwaway P-384 PKI', () => {
  const at = { now: new Date('2026-06-01T00:00:01Z') }

  it('verifies tagged (18) and untagged documents, and returns user_data as report data', async () => {
    const pki = await makeTestPki()
    const pcr0 = new Uint8Array(48).map((_, i) => i)
    const verifier = createNitroVerifier({ rootPem: pki.rootPem })
    for (const tagged of [false, true]) {
      const doc = await makeTestDocument(pki, { pcr0, tagged, userData: Uint8Array.of(1, 2, 3) })
      assert.equal(doc[0], tagged ? 0xd2 : 0x84)
      const facts = await verifier.verify(doc, at)
      assert.equal(facts.measurement, bytesToHex(pcr0))
      assert.equal(facts.reportData, '0x010203')
      assert.equal(facts.debug, false)
    }
    const noUserData = await verifier.verify(await makeTestDocument(pki, { userData: null }), at)
    assert.equal(noUserData.reportData, '0x')
    // The real AWS root must not accept the throwaway chain.
    await refusal(createNitroVerifier().verify(await makeTestDocument(pki), at), 'chain', /is not the pinned root/)
  })

  it('reports debug only when PCR0, PCR1 and PCR2 are all zero', async () => {
    const pki = await makeTestPki()
    const verifier = createNitroVerifier({ rootPem: pki.rootPem })
    const zero = new Uint8Array(48)
    const one = new Uint8Array(48).fill(1)
    const cases: [Uint8Array[], boolean][] = [[[zero, zero, zero], true], [[zero, zero, one], false], [[one, zero, zero], false], [[zero, one, zero], false]]
    for (const [[p0, p1, p2], debug] of cases) {
      const facts = await verifier.verify(await makeTestDocument(pki, { pcrs: new Map([[0, p0], [1, p1], [2, p2]]) }), at)
      assert.equal(facts.debug, debug)
    }
  })

  it('refuses a CA whose pathLenConstraint is too short and a leaf that is a CA, with chain', async () => {
    const short = await makeTestPki({ intermediatePathLength: 0 })
    await refusal(createNitroVerifier({ rootPem: short.rootPem }).verify(await makeTestDocument(short), at), 'chain', /cabundle\[1\] .* allows 0 CA certificate\(s\) below it \(pathLenConstraint\) but 1 follow/)
    const caLeaf = await makeTestPki({ leafIsCa: true })
    await refusal(createNitroVerifier({ rootPem: caLeaf.rootPem }).verify(await makeTestDocument(caLeaf), at), 'chain', /the leaf certificate .* is a CA certificate/)
  })

  it('refuses a leaf signed by someone else than the last intermediate', async () => {
    const a = await makeTestPki()
    const b = await makeTestPki()
    // Same names (both PKIs use the same subjects), different keys: only the signature can tell.
    const mixed = { ...a, certificate: b.certificate, leafKey: b.leafKey }
    await refusal(createNitroVerifier({ rootPem: a.rootPem }).verify(await makeTestDocument(mixed), at), 'signature', /the leaf certificate .*'s signature does not verify under cabundle\[2\]/)
  })

  it('refuses a document whose leaf does not cover "now" before looking at the signature', async () => {
    const pki = await makeTestPki({ notBefore: new Date('2026-01-01'), notAfter: new Date('2026-02-01') })
    await refusal(createNitroVerifier({ rootPem: pki.rootPem }).verify(await makeTestDocument(pki), at), 'expired', /^the leaf certificate .* expired at 2026-02-01/)
  })
})
