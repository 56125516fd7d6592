import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { intelSgxRootCa } from './certChain.ts'
import { INTEL_SGX_ROOT_CA_SHA256 } from './rootCa.ts'

test('the pinned Intel SGX Root CA has the published SHA-256 fingerprint, subject and validity', () => {
  const root = intelSgxRootCa()
  assert.equal(createHash('sha256').update(Buffer.from(root.rawData)).digest('hex'), INTEL_SGX_ROOT_CA_SHA256)
  assert.equal(INTEL_SGX_ROOT_CA_SHA256, '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3')
  assert.equal(root.subject, 'CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US')
  assert.equal(root.subject, root.issuer)
  assert.equal(root.serialNumber.toLowerCase(), '22650cd65a9d3489f383b49552bf501b392706ac')
  assert.equal(root.notAfter.toISOString(), '2049-12-31T23:59:59.000Z')
})
