/**
 * Key release against the real EnclaveRegistry: a key is wrapped only to a session whose
 * evidence verifies, satisfies the policy, binds the owner's nonce, and shows a measurement
 * approved on chain for the job — each refusal with its precise reason; the wrapped key opens
 * only with the session key and only under the admitted measurement.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { toHex, type Hex } from 'viem'
import { KeyReleaseRefusedError } from '../errors/tee.ts'
import { eciesDecrypt } from '../identity/ecies.ts'
import { approveMeasurement, isApproved, proposeMeasurement, revokeMeasurement, type JobKind } from '../sdk/enclaves.ts'
import { createWorld, type World } from '../testing/world.ts'
import { releaseAssociatedData, reportDataFor } from './binding.ts'
import { createSimulatedVerifier, signSimulatedEvidence } from './evidence/simulated.ts'
import { KeyReleaser, type AdmittedSession } from './keyRelease.ts'
import { embeddedDevelopmentPolicy, productionPolicy, type AttestationPolicy } from './policy.ts'
import type { AttestedSession } from './runtime/EnclaveRuntime.ts'

const platformKey = p256.utils.randomSecretKey()
const platformPublic = toHex(p256.getPublicKey(platformKey, true))
const randomMeasurement = (): Hex => toHex(randomBytes(32))

/** What an enclave with `measurement` answers to `nonce` (the evidence is made as the enclave process makes it). */
function session(measurement: Hex, nonce: Uint8Array, over: { debug?: boolean; issuedAt?: number; signingKey?: Uint8Array; bindNonce?: Uint8Array } = {}) {
  const secretKey = secp256k1.utils.randomSecretKey()
  const publicKey = secp256k1.getPublicKey(secretKey, true)
  const evidence = signSimulatedEvidence(
    { measurement: Buffer.from(measurement.slice(2), 'hex'), reportData: reportDataFor(publicKey, over.bindNonce ?? nonce), debug: over.debug ?? false, issuedAt: over.issuedAt ?? Date.now() },
    over.signingKey ?? platformKey,
  )
  return { secretKey, attested: { platform: 'simulated', publicKey, evidence } satisfies AttestedSession }
}

describe('key release', () => {
  let w: World
  let approved: Hex
  before(async () => {
    w = await createWorld({ pricing: 'fixed' })
    approved = randomMeasurement()
    const { measurementId } = await proposeMeasurement(w.client, w.governance.account, { platform: 'simulated', measurement: approved, jobKinds: ['RfmTags', 'AudienceOverlap'], name: 'test enclave' })
    await approveMeasurement(w.client, w.supervisor.account, measurementId)
  })

  const releaser = (policy: AttestationPolicy = embeddedDevelopmentPolicy) =>
    new KeyReleaser({
      verifiers: { simulated: createSimulatedVerifier({ trustedPlatformKeys: [platformPublic] }) },
      policy,
      approvals: { isApproved: (id: Hex, kind: JobKind) => isApproved(w.client, id, kind) },
    })

  async function refusal(promise: Promise<unknown>, failure: string, reason: RegExp): Promise<void> {
    await assert.rejects(promise, (e: unknown) => {
      assert.ok(e instanceof KeyReleaseRefusedError, String(e))
      assert.equal(e.failure, failure, e.message)
      assert.match(e.message, reason)
      return true
    })
  }

  test('an approved measurement with fresh, bound evidence gets the key, wrapped to its session and measurement', async () => {
    const r = releaser()
    const nonce = r.nonce()
    const { secretKey, attested } = session(approved, nonce)
    const admitted = await r.admit({ session: attested, nonce, kind: 'RfmTags' })
    assert.equal(admitted.evidence.measurement, approved)
    const key = randomBytes(32)
    const wrapped = r.wrap(admitted, 'dataset-1', key)
    assert.deepEqual(Buffer.from(eciesDecrypt(secretKey, wrapped, releaseAssociatedData('dataset-1', approved))!), key)
    assert.equal(eciesDecrypt(secretKey, wrapped, releaseAssociatedData('dataset-2', approved)), undefined, 'relabelled as another key: does not open')
    assert.equal(eciesDecrypt(secretKey, wrapped, releaseAssociatedData('dataset-1', randomMeasurement())), undefined, 'in another measurement: does not open')
    assert.equal(eciesDecrypt(secp256k1.utils.randomSecretKey(), wrapped, releaseAssociatedData('dataset-1', approved)), undefined, 'another key: does not open')
  })

  test('refused: unapproved measurement, approved for another job kind only, revoked', async () => {
    const r = releaser()
    let nonce = r.nonce()
    await refusal(r.admit({ session: session(randomMeasurement(), nonce).attested, nonce, kind: 'RfmTags' }), 'measurement', /not approved on chain for RfmTags/)
    nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce).attested, nonce, kind: 'ForecastTraining' }), 'measurement', /for ForecastTraining jobs/)

    const soonRevoked = randomMeasurement()
    const { measurementId } = await proposeMeasurement(w.client, w.governance.account, { platform: 'simulated', measurement: soonRevoked, jobKinds: ['RfmTags'], name: 'v0' })
    nonce = r.nonce()
    await refusal(r.admit({ session: session(soonRevoked, nonce).attested, nonce, kind: 'RfmTags' }), 'measurement', /not approved/)
    await approveMeasurement(w.client, w.supervisor.account, measurementId)
    nonce = r.nonce()
    await r.admit({ session: session(soonRevoked, nonce).attested, nonce, kind: 'RfmTags' })
    await revokeMeasurement(w.client, w.supervisor.account, measurementId, 'vulnerable')
    nonce = r.nonce()
    await refusal(r.admit({ session: session(soonRevoked, nonce).attested, nonce, kind: 'RfmTags' }), 'measurement', /not approved/)
  })

  test('refused: a bad nonce (replayed evidence), another session key', async () => {
    const r = releaser()
    const nonce = r.nonce()
    const replay = session(approved, r.nonce()) // evidence for an earlier request's nonce
    await refusal(r.admit({ session: replay.attested, nonce, kind: 'RfmTags' }), 'report-data', /does not bind this session key and nonce/)
    const honest = session(approved, nonce)
    const swapped = { ...honest.attested, publicKey: secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true) }
    await refusal(r.admit({ session: swapped, nonce, kind: 'RfmTags' }), 'report-data', /does not bind/)
  })

  test('refused: simulated evidence under the production policy; debug enclaves under either policy', async () => {
    let r = releaser(productionPolicy)
    let nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce).attested, nonce, kind: 'RfmTags' }), 'simulated', /production policy accepts hardware evidence only/)
    r = releaser()
    nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce, { debug: true }).attested, nonce, kind: 'RfmTags' }), 'debug', /debug mode/)
  })

  test('refused: evidence from an untrusted platform, tampered, stale, from the future, not evidence at all, no verifier', async () => {
    const r = releaser()
    let nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce, { signingKey: p256.utils.randomSecretKey() }).attested, nonce, kind: 'RfmTags' }), 'chain', /not a trusted simulated platform/)

    nonce = r.nonce()
    const good = session(approved, nonce).attested
    // Flip one byte of the measurement inside the signed payload (its bytes appear verbatim in the CBOR).
    const tampered = Uint8Array.from(good.evidence)
    const at = Buffer.from(tampered).indexOf(Buffer.from(approved.slice(2), 'hex'))
    assert.ok(at > 0)
    tampered[at + 5]! ^= 0x01
    await refusal(r.admit({ session: { ...good, evidence: tampered }, nonce, kind: 'RfmTags' }), 'signature', /does not verify/)

    nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce, { issuedAt: Date.now() - 3600_000 }).attested, nonce, kind: 'RfmTags' }), 'expired', /more than 600 s before now/)
    nonce = r.nonce()
    await refusal(r.admit({ session: session(approved, nonce, { issuedAt: Date.now() + 3600_000 }).attested, nonce, kind: 'RfmTags' }), 'expired', /after now/)
    await refusal(r.admit({ session: { ...good, evidence: Uint8Array.of(1, 2, 3) }, nonce, kind: 'RfmTags' }), 'malformed', /not/)
    await refusal(r.admit({ session: { ...good, platform: 'sgx-dcap' }, nonce, kind: 'RfmTags' }), 'malformed', /no verifier for sgx-dcap evidence/)
  })

  test('nothing wraps a key to a session this releaser did not admit', async () => {
    const r = releaser()
    const nonce = r.nonce()
    const { attested } = session(approved, nonce)
    const admitted = await r.admit({ session: attested, nonce, kind: 'RfmTags' })
    const forged: AdmittedSession = { ...admitted }
    assert.throws(() => r.wrap(forged, 'k', randomBytes(32)), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'not-admitted')
    // Admitted by another owner (another policy) is not admitted by this one.
    assert.throws(() => releaser(productionPolicy).wrap(admitted, 'k', randomBytes(32)), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'not-admitted')
    assert.doesNotThrow(() => r.wrap(admitted, 'k', randomBytes(32)))
  })
})
