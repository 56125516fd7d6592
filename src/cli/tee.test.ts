/**
 * `bourse tee …` and `bourse enclave …` against a real node (`bourse up --detach`): the node
 * started its simulated enclave and registered its measurement; the gateway imports a slice of
 * the real Online Retail file; an RFM job runs, is anchored and read back; bad input is named.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { bourse, bourseOk, startCliAlliance } from '../testing/cli.ts'
import { onlineRetailMissing, onlineRetailSample } from '../testing/onlineRetail.ts'

const dir = mkdtempSync(join(tmpdir(), 'bourse-tee-cli-'))
after(() => {
  bourse(dir, ['stop'])
  rmSync(dir, { recursive: true, force: true })
})

test('tee: status, gateway import, an anchored RFM job, governance reads; bad input named', { timeout: 240_000, skip: onlineRetailMissing }, async () => {
  const { path: file } = await onlineRetailSample({ limit: 8000 })
  startCliAlliance(dir)

  const status = bourseOk(dir, ['--json', 'tee', 'status']).json
  assert.equal(status.simulated, true)
  assert.equal(status.policy, 'embedded-development')
  assert.equal(status.approvedFor.length, 5)
  assert.match(bourseOk(dir, ['tee', 'status']).stdout, /WARNING: TEE: SIMULATED/)
  assert.equal(bourseOk(dir, ['--json', 'enclave', 'show', status.measurementId]).json.status, 'Approved')

  // A refused file leaves nothing behind: the same name imports afterwards.
  const badFile = join(dir, 'bad.csv')
  writeFileSync(badFile, 'a,b\n1,2\n')
  const refused = bourse(dir, ['tee', 'import', badFile, '--org', 'regulator', '--name', 'retail'])
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /does not fit the online-retail format/)
  const imported = bourseOk(dir, ['--json', 'tee', 'import', file, '--org', 'regulator', '--name', 'retail']).json
  assert.equal(imported.rows, 8000)
  assert.match(imported.contentHash, /^0x[0-9a-f]{64}$/)
  const again = bourse(dir, ['tee', 'import', file, '--org', 'regulator', '--name', 'retail'])
  assert.notEqual(again.code, 0)
  assert.match(again.stderr, /already has a dataset "retail"/)

  const job = bourseOk(dir, ['--json', 'tee', 'run', 'rfm', '--org', 'regulator', '--dataset', 'retail']).json
  assert.equal(job.kind, 'RfmTags')
  assert.equal(job.simulated, true)
  assert.ok(job.result.tags.customers.length > 100)
  const anchored = bourseOk(dir, ['--json', 'tee', 'job', job.jobId]).json
  assert.equal(anchored.resultHash, job.resultHash)
  assert.equal(anchored.measurementId, status.measurementId)

  const missingFlag = bourse(dir, ['tee', 'run', 'rfm', '--org', 'regulator'])
  assert.notEqual(missingFlag.code, 0)
  assert.match(missingFlag.stderr, /needs --dataset/)
  const unknown = bourse(dir, ['tee', 'run', 'rfm', '--org', 'regulator', '--dataset', 'nothing'])
  assert.notEqual(unknown.code, 0)
  assert.match(unknown.stderr, /No dataset nothing/)
  const badKind = bourse(dir, ['tee', 'run', 'mine', '--org', 'regulator'])
  assert.notEqual(badKind.code, 0)
  assert.match(badKind.stderr, /rfm, authenticity, overlap, train, predict/)
  const badId = bourse(dir, ['tee', 'job', '0x12'])
  assert.notEqual(badId.code, 0)
  assert.match(badId.stderr, /not a job id/)
})
