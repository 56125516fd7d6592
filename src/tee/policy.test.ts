/**
 * The attestation policy over real hardware evidence (../shared/data/attestation): a verifier
 * says what the evidence proves; the policy refuses debug enclaves and TCB statuses it does not
 * accept, and evidence that does not bind this session key and nonce. Key release over the
 * same evidence refuses with the precise reason at each step.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from 'viem'
import { EvidenceError, KeyReleaseRefusedError } from '../errors/tee.ts'
import { reportDataFor } from './binding.ts'
import { createNitroVerifier } from './evidence/nitro/index.ts'
import { createSevSnpVerifier, encodeSnpEvidence } from './evidence/sevsnp/index.ts'
import type { VerifiedEvidence } from './evidence/types.ts'
import { KeyReleaser } from './keyRelease.ts'
import { checkEvidence, embeddedDevelopmentPolicy, productionPolicy, type AttestationPolicy } from './policy.ts'

const ATTESTATION = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'attestation')
const skip = existsSync(ATTESTATION) ? false : `${ATTESTATION} is absent`
const read = (...p: string[]) => new Uint8Array(readFileSync(join(ATTESTATION, ...p)))
const nonce = new Uint8Array(32).fill(7)
const sessionKey = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)

function refused(fn: () => void, failure: string, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof EvidenceError && e.failure === failure && reason.test(e.reason))
}

describe('policy over real evidence', { skip }, () => {
  test('Nitro: a production enclave passes the policy but not the binding; the debug-mode document is refused', async () => {
    const verifier = createNitroVerifier()
    const valid = read('nitro', 'valid-attestation-doc.cbor')
    const facts = await verifier.verify(valid, { now: new Date('2022-10-13T09:00:00Z') })
    refused(() => checkEvidence(facts, productionPolicy, { publicKey: sessionKey, nonce }), 'report-data', /does not bind this session key and nonce/)
    // The same facts with our binding in the report data satisfy the production policy.
    assert.doesNotThrow(() => checkEvidence({ ...facts, reportData: bytesToHex(reportDataFor(sessionKey, nonce)) }, productionPolicy, { publicKey: sessionKey, nonce }))
    const debug = await verifier.verify(read('nitro', 'debug-mode-attestation-doc.cbor'), { now: new Date('2022-10-12T14:00:00Z') })
    assert.equal(debug.debug, true)
    refused(() => checkEvidence({ ...debug, reportData: bytesToHex(reportDataFor(sessionKey, nonce)) }, productionPolicy, { publicKey: sessionKey, nonce }), 'debug', /debug mode/)
  })

  test('SEV-SNP: the sample guest allows debugging, so production refuses it', async () => {
    const facts = await createSevSnpVerifier().verify(encodeSnpEvidence({ report: read('sev-snp', 'attestation.bin'), vcek: read('sev-snp', 'vcek.der') }), { now: new Date('2025-01-01T00:00:00Z') })
    assert.equal(facts.platform, 'sev-snp')
    refused(() => checkEvidence(facts, productionPolicy, { publicKey: sessionKey, nonce }), 'debug', /debug mode/)
    const lenient: AttestationPolicy = { ...productionPolicy, name: 'lenient-test', allowDebug: true }
    refused(() => checkEvidence(facts, lenient, { publicKey: sessionKey, nonce }), 'report-data', /does not bind/)
  })

  test('SGX DCAP: the real quote at 2025-07-01 is ConfigurationAndSWHardeningNeeded — production refuses it; expired collateral today', async () => {
    const { createSgxDcapVerifier, parseSgxCollateral } = await import('./evidence/sgx/index.ts')
    const verifier = createSgxDcapVerifier({ collateral: parseSgxCollateral(JSON.parse(readFileSync(join(ATTESTATION, 'sgx-dcap', 'sgx_quote_collateral.json'), 'utf8'))) })
    const quote = read('sgx-dcap', 'sgx_quote')
    const facts = await verifier.verify(quote, { now: new Date('2025-07-01T00:00:00Z') })
    refused(() => checkEvidence(facts, productionPolicy, { publicKey: sessionKey, nonce }), 'tcb', /ConfigurationAndSWHardeningNeeded \(advisories INTEL-SA-00289, INTEL-SA-00615\)/)
    const accepting: AttestationPolicy = { ...productionPolicy, name: 'accepting-test', acceptedTcbStatuses: ['UpToDate', 'ConfigurationAndSWHardeningNeeded'] }
    refused(() => checkEvidence(facts, accepting, { publicKey: sessionKey, nonce }), 'report-data', /does not bind/)
    const releaser = new KeyReleaser({ verifiers: { 'sgx-dcap': verifier }, policy: accepting, approvals: { isApproved: async () => true }, now: () => new Date('2026-11-21T00:00:00Z') })
    await assert.rejects(releaser.admit({ session: { platform: 'sgx-dcap', publicKey: sessionKey, evidence: quote }, nonce, kind: 'RfmTags' }), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'expired' && /TCB info expired/.test(e.message))
  })

  test('TCB statuses: only those the policy lists; simulated only where allowed', () => {
    const facts: VerifiedEvidence = { platform: 'sgx-dcap', measurement: '0x00', reportData: bytesToHex(reportDataFor(sessionKey, nonce)), debug: false, tcbStatus: 'SWHardeningNeeded', advisoryIds: ['INTEL-SA-00615'], details: {} }
    refused(() => checkEvidence(facts, productionPolicy, { publicKey: sessionKey, nonce }), 'tcb', /SWHardeningNeeded \(advisories INTEL-SA-00615\) is not one the production policy accepts/)
    assert.doesNotThrow(() => checkEvidence(facts, { ...productionPolicy, acceptedTcbStatuses: ['UpToDate', 'SWHardeningNeeded'] }, { publicKey: sessionKey, nonce }))
    const simulated = { ...facts, platform: 'simulated' as const, tcbStatus: 'Simulated' }
    refused(() => checkEvidence(simulated, productionPolicy, { publicKey: sessionKey, nonce }), 'simulated', /hardware evidence only/)
    assert.doesNotThrow(() => checkEvidence(simulated, embeddedDevelopmentPolicy, { publicKey: sessionKey, nonce }))
  })

  test('key release over real Nitro evidence: expired today, unbound at its own time — nothing released', async () => {
    const evidence = read('nitro', 'valid-attestation-doc.cbor')
    const releaser = (now: Date) => new KeyReleaser({ verifiers: { nitro: createNitroVerifier() }, policy: productionPolicy, approvals: { isApproved: async () => true }, now: () => now })
    await assert.rejects(releaser(new Date('2026-11-21T00:00:00Z')).admit({ session: { platform: 'nitro', publicKey: sessionKey, evidence }, nonce, kind: 'RfmTags' }), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'expired')
    await assert.rejects(releaser(new Date('2022-10-13T09:00:00Z')).admit({ session: { platform: 'nitro', publicKey: sessionKey, evidence }, nonce, kind: 'RfmTags' }), (e: unknown) => e instanceof KeyReleaseRefusedError && e.failure === 'report-data')
  })
})
