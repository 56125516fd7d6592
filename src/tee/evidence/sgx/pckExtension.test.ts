import 'reflect-metadata'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parsePemChain } from './certChain.ts'
import { decodeOid, readDer } from './der.ts'
import { parsePckExtension, SGX_EXTENSION_OID } from './pckExtension.ts'
import { parseSgxQuote } from './quote.ts'
import { loadSgxSample, SKIP_REASON } from './testData.ts'

test('DER: OIDs decode, lengths are bounded, and arbitrary bytes either parse or throw an Error', () => {
  assert.equal(decodeOid(Uint8Array.from([0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01])), SGX_EXTENSION_OID)
  assert.throws(() => readDer(Uint8Array.from([0x04, 0x05, 0x00])), /runs past the end/)
  assert.throws(() => readDer(Uint8Array.from([0x30, 0x80, 0x00, 0x00])), /unsupported length form/)
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const nodes = readDer(bytes)
        assert.equal(nodes.reduce((n, node) => n + node.value.length, 0) <= bytes.length, true)
      } catch (e) {
        assert.ok(e instanceof Error && e.message.startsWith('DER:'))
      }
    }),
  )
})

test('the real PCK certificate\'s SGX extension: FMSPC, PCE id, 16 SVNs, PCESVN', (t) => {
  const sample = loadSgxSample()
  if (!sample) return t.skip(SKIP_REASON)
  const [pck] = parsePemChain(parseSgxQuote(sample.quote).pckChainPem, 'the PCK chain')
  const ext = parsePckExtension(new Uint8Array(pck!.getExtension(SGX_EXTENSION_OID)!.value))
  assert.equal(ext.fmspc, '00A067110000')
  assert.equal(ext.pceId, '0000')
  assert.deepEqual(ext.tcbComponents, [11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  assert.equal(ext.pceSvn, 13)
  assert.equal(ext.cpuSvn, '0B0B0202FF0100000000000000000000')
  assert.equal(ext.ppid.length, 32)
  assert.equal(ext.sgxType, 0)
  // Cutting the extension anywhere must be refused, never misread.
  const raw = new Uint8Array(pck!.getExtension(SGX_EXTENSION_OID)!.value)
  for (const cut of [1, 10, 100, raw.length - 1]) assert.throws(() => parsePckExtension(raw.subarray(0, cut)))
})
