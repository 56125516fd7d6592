import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { EvidenceError } from '../../../errors/tee.ts'
import { isDebugEnclave, parseSgxQuote } from './quote.ts'
import { loadSgxSample, OFFSETS, SKIP_REASON } from './testData.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** A structurally valid v3 quote with recognisable bytes (no valid signatures). */
function syntheticQuote({ authLength = 32, pem = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n\0' } = {}): Uint8Array {
  const cert = new TextEncoder().encode(pem)
  const sigLength = 64 + 64 + 384 + 64 + 2 + authLength + 6 + cert.length
  const q = new Uint8Array(436 + sigLength)
  const v = new DataView(q.buffer)
  v.setUint16(0, 3, true)
  v.setUint16(2, 2, true)
  q.set(Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex'), 12)
  for (let i = 48; i < 432; i++) q[i] = i & 0xff
  q[48 + 48] = 0x07 // ATTRIBUTES.FLAGS: INIT | DEBUG | MODE64BIT
  v.setUint32(432, sigLength, true)
  v.setUint16(OFFSETS.qeAuthLength, authLength, true)
  const certHeader = OFFSETS.qeAuthLength + 2 + authLength
  v.setUint16(certHeader, 5, true)
  v.setUint32(certHeader + 2, cert.length, true)
  q.set(cert, certHeader + 6)
  return q
}

const refusal = (failure: string, reason?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof EvidenceError, `expected EvidenceError, got ${e}`)
  assert.equal(e.failure, failure, e.reason)
  if (reason) assert.match(e.reason, reason)
  return true
}

test('parses a synthetic quote at the offsets of Intel appendix A.4', () => {
  const bytes = syntheticQuote()
  const quote = parseSgxQuote(bytes)
  assert.equal(hex(quote.isvReport.mrEnclave), hex(bytes.subarray(112, 144)))
  assert.equal(hex(quote.isvReport.mrSigner), hex(bytes.subarray(176, 208)))
  assert.equal(hex(quote.isvReport.reportData), hex(bytes.subarray(368, 432)))
  assert.equal(quote.isvReport.isvProdId, ((48 + 256) & 0xff) + ((48 + 257) & 0xff) * 256)
  assert.equal(isDebugEnclave(quote.isvReport), true)
  assert.equal(quote.qeAuthData.length, 32)
  assert.equal(quote.pckChainPem.endsWith('-----END CERTIFICATE-----\n'), true, 'trailing NUL removed')
})

test('every truncation and every padding of a quote is malformed', () => {
  const bytes = syntheticQuote()
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (length) => {
      assert.throws(() => parseSgxQuote(bytes.subarray(0, length)), refusal('malformed'))
    }),
  )
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (extra) => {
      assert.throws(() => parseSgxQuote(new Uint8Array([...bytes, ...extra])), refusal('malformed', /length says/))
    }),
  )
})

test('wrong version, key type, TEE type, vendor, certification type and auth length are malformed', () => {
  const cases: [number, number, RegExp][] = [
    [0, 4, /version is 4/],
    [2, 3, /attestation key type is 3/],
    [4, 0x81, /TEE type is 0x81/],
    [12, 0x00, /QE vendor id/],
  ]
  for (const [offset, value, reason] of cases) {
    const q = syntheticQuote()
    q[offset] = value
    assert.throws(() => parseSgxQuote(q), refusal('malformed', reason))
  }
  const q = syntheticQuote()
  q[OFFSETS.qeAuthLength + 2 + 32] = 4
  assert.throws(() => parseSgxQuote(q), refusal('malformed', /certification data type is 4/))
  const longAuth = syntheticQuote()
  new DataView(longAuth.buffer).setUint16(OFFSETS.qeAuthLength, 60000, true)
  assert.throws(() => parseSgxQuote(longAuth), refusal('malformed', /QE authentication data \(60000 bytes\)/))
})

test('the real quote parses; MRENCLAVE/MRSIGNER equal hand-computed offsets', (t) => {
  const sample = loadSgxSample()
  if (!sample) return t.skip(SKIP_REASON)
  const quote = parseSgxQuote(sample.quote)
  const mrEnclave = hex(sample.quote.subarray(OFFSETS.mrEnclave, OFFSETS.mrEnclave + 32))
  const mrSigner = hex(sample.quote.subarray(OFFSETS.mrSigner, OFFSETS.mrSigner + 32))
  t.diagnostic(`MRENCLAVE ${mrEnclave} MRSIGNER ${mrSigner}`)
  assert.equal(hex(quote.isvReport.mrEnclave), mrEnclave)
  assert.equal(hex(quote.isvReport.mrSigner), mrSigner)
  assert.equal(mrEnclave, '33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb')
  assert.equal(mrSigner, '815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6')
  assert.equal(Buffer.from(quote.isvReport.reportData.subarray(0, 13)).toString(), 'Hello, world!')
  assert.equal(quote.header.version, 3)
  assert.equal(quote.qeAuthData.length, 32)
  assert.equal((quote.pckChainPem.match(/BEGIN CERTIFICATE/g) ?? []).length, 3)
  assert.equal(isDebugEnclave(quote.isvReport), false)
  assert.throws(() => parseSgxQuote(sample.quote.subarray(0, 4000)), refusal('malformed', /signature data length says 4164/))
})
