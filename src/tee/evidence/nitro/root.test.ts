import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parseNitroRoot } from './chain.ts'
import { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from './root.ts'
import { DATA_DIR, HAVE_DATA, SKIP_NO_DATA } from './testFixtures.ts'

test('the embedded AWS Nitro Root-G1 has the pinned SHA-256 fingerprint, subject, key and validity', async () => {
  const root = parseNitroRoot(AWS_NITRO_ROOT_G1_PEM)
  assert.equal(createHash('sha256').update(Buffer.from(root.rawData)).digest('hex'), AWS_NITRO_ROOT_G1_SHA256)
  assert.equal(AWS_NITRO_ROOT_G1_SHA256, '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b')
  assert.equal(root.subject, 'C=US, O=Amazon, OU=AWS, CN=aws.nitro-enclaves')
  assert.equal(root.issuer, root.subject)
  assert.equal(root.notAfter.toISOString(), '2049-10-28T14:28:05.000Z')
  assert.deepEqual(root.publicKey.algorithm, { name: 'ECDSA', namedCurve: 'P-384' })
  assert.equal(await root.verify({ signatureOnly: true }), true, 'self-signed')
  assert.equal(root.getExtension(x509.BasicConstraintsExtension)?.ca, true)
})

test('the embedded root is the same certificate as shared/data/attestation/nitro/aws-nitro-root-g1.pem', (t) => {
  if (!HAVE_DATA) return t.skip(SKIP_NO_DATA)
  const file = readFileSync(new URL('aws-nitro-root-g1.pem', DATA_DIR), 'utf8')
  assert.equal(AWS_NITRO_ROOT_G1_PEM.trim(), file.trim())
  assert.deepEqual(new Uint8Array(parseNitroRoot(file).rawData), new Uint8Array(parseNitroRoot(AWS_NITRO_ROOT_G1_PEM).rawData))
})
