/**
 * EnclaveRegistry: governance proposes measurements, a supervisor approves, either revokes;
 * a Compute key anchors a job's result signed by the enclave key — happy paths with their
 * events and every refusal by its named error.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { keccak256, toHex, type Hex } from 'viem'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import {
  approveMeasurement, enclaveEvents, isApproved, jobDigest, jobOf, measurementIdOf, measurementOf, proposeMeasurement, recordJob, revokeMeasurement, type JobKind,
} from '../../src/sdk/enclaves.ts'
import { addOrg, expectRevert, newAccount, setupWorld, ZERO_HASH, type TestWorld as World } from './helpers.ts'
import { addSupervisorOrg } from './supervisionHelpers.ts'

const randomMeasurement = (bytes = 32): Hex => toHex(crypto.getRandomValues(new Uint8Array(bytes)))

describe('EnclaveRegistry', () => {
  let w: World
  let compute: Actor
  let computeOrg: Actor
  before(async () => {
    w = await setupWorld()
    const org = await addOrg(w, 'Omega Compute', ['Compute'])
    compute = org.keys.Compute!
    computeOrg = org.admin
  })

  /** Proposed by governance and approved by the world's supervisor. */
  async function approved(kinds: JobKind[] = ['RfmTags'], platform: 'simulated' | 'nitro' = 'simulated') {
    const measurement = randomMeasurement(platform === 'nitro' ? 48 : 32)
    const { measurementId } = await proposeMeasurement(w.client, w.governance.account, { platform, measurement, jobKinds: kinds, name: 'enclave v1' })
    await approveMeasurement(w.client, w.supervisor.account, measurementId)
    return measurementId
  }

  async function signedJob(measurementId: Hex, kind: JobKind, enclave = privateKeyToAccount(generatePrivateKey())) {
    const job = { jobId: keccak256(toHex(`job-${Math.random()}`)), measurementId, kind, resultHash: keccak256(toHex('result')), inputCommitment: keccak256(toHex('inputs')) }
    const digest = await jobDigest(w.client, job)
    return { ...job, enclave, enclaveSignature: await enclave.signMessage({ message: { raw: digest } }) }
  }

  test('propose -> approve -> record a job -> revoke, with events and state', async () => {
    const measurement = randomMeasurement()
    const proposed = await proposeMeasurement(w.client, w.governance.account, { platform: 'simulated', measurement, jobKinds: ['RfmTags', 'AudienceOverlap'], name: 'databourse enclave 0.1' })
    assert.equal(proposed.measurementId, measurementIdOf('simulated', measurement))
    assert.deepEqual(enclaveEvents(w.client, proposed.receipt).map((e) => e.eventName), ['MeasurementProposed'])
    assert.equal((await measurementOf(w.client, proposed.measurementId)).status, 'Proposed')
    assert.equal(await isApproved(w.client, proposed.measurementId, 'RfmTags'), false, 'not before a supervisor approves')

    const approval = await approveMeasurement(w.client, w.supervisor.account, proposed.measurementId)
    assert.deepEqual(enclaveEvents(w.client, approval.receipt), [
      { eventName: 'MeasurementApproved', args: { measurementId: proposed.measurementId, supervisorOrg: w.orgs.supervisor.address } },
    ])
    const record = await measurementOf(w.client, proposed.measurementId)
    assert.equal(record.status, 'Approved')
    assert.deepEqual(record.jobKinds, ['RfmTags', 'AudienceOverlap'])
    assert.equal(record.approvedBy, w.orgs.supervisor.address)
    assert.equal(await isApproved(w.client, proposed.measurementId, 'RfmTags'), true)
    assert.equal(await isApproved(w.client, proposed.measurementId, 'TagAuthenticity'), false, 'only the proposed kinds')

    const job = await signedJob(proposed.measurementId, 'AudienceOverlap')
    const recorded = await recordJob(w.client, compute.account, job)
    const [event] = enclaveEvents(w.client, recorded.receipt)
    assert.equal(event!.eventName, 'JobRecorded')
    const stored = await jobOf(w.client, job.jobId)
    assert.deepEqual({ ...stored, recordedAt: 0 }, {
      measurementId: proposed.measurementId, resultHash: job.resultHash, inputCommitment: job.inputCommitment,
      enclaveKey: job.enclave.address, computeOrg: computeOrg.address, kind: 'AudienceOverlap', recordedAt: 0,
    })
    assert.ok(stored.recordedAt > 0)

    const revoked = await revokeMeasurement(w.client, w.supervisor.account, proposed.measurementId, 'CVE in the image')
    assert.deepEqual(enclaveEvents(w.client, revoked.receipt), [
      { eventName: 'MeasurementRevoked', args: { measurementId: proposed.measurementId, by: w.orgs.supervisor.address, reason: 'CVE in the image' } },
    ])
    assert.equal(await isApproved(w.client, proposed.measurementId, 'RfmTags'), false)
    const late = await signedJob(proposed.measurementId, 'RfmTags')
    await expectRevert(recordJob(w.client, compute.account, late), 'EnclaveRegistryNotApproved', { measurementId: proposed.measurementId, kind: 0 })
    assert.equal((await jobOf(w.client, job.jobId)).resultHash, job.resultHash, 'the job recorded before stays')
    await expectRevert(approveMeasurement(w.client, w.supervisor.account, proposed.measurementId), 'EnclaveRegistryInvalidStatus', { status: 3 })
  })

  test('only governance proposes; only supervisors approve; governance or supervisors revoke', async () => {
    const measurement = randomMeasurement()
    const outsider = newAccount()
    await expectRevert(proposeMeasurement(w.client, outsider, { platform: 'simulated', measurement, jobKinds: ['RfmTags'], name: 'x' }), 'EnclaveRegistryNotGovernance', { caller: outsider.address })
    await expectRevert(proposeMeasurement(w.client, w.supervisor.account, { platform: 'simulated', measurement, jobKinds: ['RfmTags'], name: 'x' }), 'EnclaveRegistryNotGovernance')
    const { measurementId } = await proposeMeasurement(w.client, w.governance.account, { platform: 'simulated', measurement, jobKinds: ['RfmTags'], name: 'x' })
    await expectRevert(approveMeasurement(w.client, w.governance.account, measurementId), 'EnclaveRegistryNotSupervisor', { caller: w.governance.address })
    await expectRevert(approveMeasurement(w.client, compute.account, measurementId), 'EnclaveRegistryNotSupervisor')
    await expectRevert(revokeMeasurement(w.client, outsider, measurementId, 'no'), 'EnclaveRegistryNotGovernanceOrSupervisor', { caller: outsider.address })
    // A suspended supervisor organisation's key no longer approves.
    const second = await addSupervisorOrg(w, 'Second Regulator')
    await w.supervisor.suspend(second.org, 'audit')
    await expectRevert(approveMeasurement(w.client, second.key.account, measurementId), 'EnclaveRegistryNotSupervisor')
    await revokeMeasurement(w.client, w.governance.account, measurementId, 'superseded')
    assert.equal((await measurementOf(w.client, measurementId)).status, 'Revoked')
    await expectRevert(revokeMeasurement(w.client, w.governance.account, measurementId, 'again'), 'EnclaveRegistryInvalidStatus', { status: 3 })
  })

  test('malformed proposals are refused and change nothing', async () => {
    const gov = w.governance.account
    await expectRevert(proposeMeasurement(w.client, gov, { platform: 'simulated', measurement: randomMeasurement(48), jobKinds: ['RfmTags'], name: 'x' }), 'EnclaveRegistryInvalidMeasurement', { length: 48n })
    await expectRevert(proposeMeasurement(w.client, gov, { platform: 'nitro', measurement: randomMeasurement(32), jobKinds: ['RfmTags'], name: 'x' }), 'EnclaveRegistryInvalidMeasurement', { platform: 2, length: 32n })
    await expectRevert(proposeMeasurement(w.client, gov, { platform: 'simulated', measurement: randomMeasurement(), jobKinds: [], name: 'x' }), 'EnclaveRegistryNoJobKinds')
    await expectRevert(
      w.client.write(gov, w.deployment.enclaves, (await import('../../src/contracts/generated.ts')).EnclaveRegistryAbi, 'propose', [0, randomMeasurement(), 1 << 5, 'x']),
      'EnclaveRegistryUnknownJobKinds', { jobKinds: 32 },
    )
    const id = await approved(['RfmTags'], 'nitro')
    const again = await measurementOf(w.client, id)
    assert.equal(again.platform, 'nitro')
    await expectRevert(approveMeasurement(w.client, w.supervisor.account, ZERO_HASH), 'EnclaveRegistryInvalidStatus', { status: 0 })
  })

  test('job records: Compute keys only, approved kind, once per id, non-zero result, the enclave signature binds every field', async () => {
    const id = await approved(['RfmTags'])
    const job = await signedJob(id, 'RfmTags')
    await expectRevert(recordJob(w.client, w.seller.account, job), 'EnclaveRegistryNotCompute', { caller: w.seller.address })
    await expectRevert(recordJob(w.client, compute.account, { ...job, kind: 'AudienceOverlap' }), 'EnclaveRegistryNotApproved', { kind: 2 })
    // A signature over other fields recovers another key: recorded, but not under the enclave's key.
    const tampered = { ...job, resultHash: keccak256(toHex('other result')) }
    await recordJob(w.client, compute.account, tampered)
    assert.notEqual((await jobOf(w.client, job.jobId)).enclaveKey, job.enclave.address, 'a changed field does not recover the enclave key')
    const fresh = await signedJob(id, 'RfmTags')
    await expectRevert(recordJob(w.client, compute.account, { ...fresh, enclaveSignature: '0x1234' }), 'EnclaveRegistryBadSignature', { jobId: fresh.jobId })
    await expectRevert(recordJob(w.client, compute.account, { ...fresh, resultHash: ZERO_HASH }), 'EnclaveRegistryZeroResult')
    await recordJob(w.client, compute.account, fresh)
    assert.equal((await jobOf(w.client, fresh.jobId)).enclaveKey, fresh.enclave.address)
    await expectRevert(recordJob(w.client, compute.account, fresh), 'EnclaveRegistryJobExists', { jobId: fresh.jobId })
  })
})
