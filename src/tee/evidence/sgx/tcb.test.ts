import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { EvidenceError } from '../../../errors/tee.ts'
import { qeIdentitySchema, tcbInfoSchema, type TcbInfo } from './collateral.ts'
import type { PckExtension } from './pckExtension.ts'
import { parseSgxQuote } from './quote.ts'
import { matchPlatformTcb, matchQeIdentity } from './tcb.ts'
import { loadSgxSample, SKIP_REASON } from './testData.ts'

const refusal = (failure: string, reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof EvidenceError, `expected EvidenceError, got ${e}`)
  assert.equal(e.failure, failure, e.reason)
  assert.match(e.reason, reason)
  return true
}

const level = (components: number[], pcesvn: number, tcbStatus: string, advisoryIDs: string[] = []) => ({
  tcb: { sgxtcbcomponents: components.map((svn) => ({ svn })), pcesvn },
  tcbDate: '2024-01-01T00:00:00Z',
  tcbStatus,
  advisoryIDs,
})
const svns = (head: number[]) => [...head, ...Array(16 - head.length).fill(0)]

const tcbInfo: TcbInfo = tcbInfoSchema.parse({
  id: 'SGX', version: 3, issueDate: '2025-01-01T00:00:00Z', nextUpdate: '2025-02-01T00:00:00Z',
  fmspc: '00a067110000', pceId: '0000', tcbType: 0, tcbEvaluationDataNumber: 1,
  tcbLevels: [
    level(svns([5, 5, 3]), 13, 'UpToDate'),
    level(svns([5, 5]), 13, 'ConfigurationNeeded', ['INTEL-SA-1']),
    level(svns([4, 4]), 10, 'OutOfDate', ['INTEL-SA-2']),
    level(svns([1]), 1, 'Revoked'),
  ],
})
const platform = (tcbComponents: number[], pceSvn = 13, fmspc = '00A067110000'): PckExtension => ({
  fmspc, pceId: '0000', tcbComponents, pceSvn, cpuSvn: '', ppid: '', sgxType: 0,
})

test('the first level whose SVNs and PCESVN are all at or below the platform wins', () => {
  assert.equal(matchPlatformTcb(tcbInfo, platform(svns([6, 5, 3]))).tcbStatus, 'UpToDate')
  const config = matchPlatformTcb(tcbInfo, platform(svns([5, 5, 2])))
  assert.equal(config.tcbStatus, 'ConfigurationNeeded')
  assert.deepEqual(config.advisoryIds, ['INTEL-SA-1'])
  // PCESVN 12 rules out both 13-levels even though the components would match the first.
  assert.equal(matchPlatformTcb(tcbInfo, platform(svns([9, 9, 9]), 12)).tcbStatus, 'OutOfDate')
})

test('no matching level, a Revoked level, another FMSPC or PCE id are tcb refusals', () => {
  assert.throws(() => matchPlatformTcb(tcbInfo, platform(svns([0]), 13)), refusal('tcb', /no TCB level of FMSPC 00A067110000/))
  assert.throws(() => matchPlatformTcb(tcbInfo, platform(svns([3, 3]), 5)), refusal('tcb', /Revoked/))
  assert.throws(() => matchPlatformTcb(tcbInfo, platform(svns([9, 9, 9]), 13, '00906ED50000')), refusal('tcb', /FMSPC 00A067110000 but the PCK certificate's FMSPC is 00906ED50000/))
  assert.throws(() => matchPlatformTcb(tcbInfo, { ...platform(svns([9, 9, 9])), pceId: '0001' }), refusal('tcb', /PCE id/))
})

test('property: the chosen level is dominated by the platform and no earlier level is', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 20 }), (components, pceSvn) => {
      let chosen: string | undefined
      try {
        chosen = matchPlatformTcb(tcbInfo, platform(components, pceSvn)).tcbStatus
      } catch (e) {
        assert.ok(e instanceof EvidenceError && e.failure === 'tcb')
      }
      const dominated = tcbInfo.tcbLevels.findIndex((l) => l.tcb.pcesvn <= pceSvn && l.tcb.sgxtcbcomponents.every((c, i) => c.svn <= components[i]!))
      if (dominated === -1 || tcbInfo.tcbLevels[dominated]!.tcbStatus === 'Revoked') assert.equal(chosen, undefined)
      else assert.equal(chosen, tcbInfo.tcbLevels[dominated]!.tcbStatus)
    }),
  )
})

test('real collateral: an unknown FMSPC is refused; the QE report matches the QE identity (UpToDate at ISVSVN 10)', (t) => {
  const sample = loadSgxSample()
  if (!sample) return t.skip(SKIP_REASON)
  const real = tcbInfoSchema.parse(JSON.parse(sample.collateral.tcb_info!))
  assert.throws(() => matchPlatformTcb(real, platform(svns([11, 11, 2, 2, 255, 1]), 13, '00906ED50000')), refusal('tcb', /FMSPC/))
  assert.equal(matchPlatformTcb(real, platform(svns([11, 11, 2, 2, 255, 1]), 13)).tcbStatus, 'ConfigurationAndSWHardeningNeeded')
  assert.equal(matchPlatformTcb(real, platform(svns([11, 11, 2, 2, 255, 1, 12]), 13)).tcbStatus, 'SWHardeningNeeded')

  const identity = qeIdentitySchema.parse(JSON.parse(sample.collateral.qe_identity!))
  const qeReport = parseSgxQuote(sample.quote).qeReport
  assert.equal(matchQeIdentity(identity, qeReport).tcbStatus, 'UpToDate')
  const oldQe = { ...qeReport, isvSvn: 6 }
  assert.equal(matchQeIdentity(identity, oldQe).tcbStatus, 'OutOfDate')
  assert.throws(() => matchQeIdentity(identity, { ...qeReport, isvSvn: 0 }), refusal('tcb', /ISVSVN 0 is below every QE TCB level/))
  assert.throws(() => matchQeIdentity(identity, { ...qeReport, isvProdId: 2 }), refusal('tcb', /ISVPRODID 2/))
  const mrSigner = qeReport.mrSigner.slice()
  mrSigner[0]! ^= 1
  assert.throws(() => matchQeIdentity(identity, { ...qeReport, mrSigner }), refusal('tcb', /MRSIGNER/))
  const attributes = qeReport.attributes.slice()
  attributes[0]! |= 0x02 // a debug QE: DEBUG is inside attributesMask
  assert.throws(() => matchQeIdentity(identity, { ...qeReport, attributes }), refusal('tcb', /ATTRIBUTES/))
})
