import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { encodeProof, parseProof } from './SupervisionStore.ts'

test('a stored proof reads back as the path it was written from, in both stored formats', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }), (path) => {
      const hex = path.map((p) => bytesToHex(p))
      assert.deepEqual(parseProof(encodeProof(path)), hex)
      assert.deepEqual(parseProof(JSON.stringify(hex)), hex, 'rows written as a JSON array still read')
    }),
  )
})

test('a malformed stored proof is no proof (empty), never an exception', () => {
  for (const text of ['not json', '0x12', `0x${'ab'.repeat(31)}`, `0X${'ab'.repeat(32)}`, `0x${'AB'.repeat(32)}`, '{"a":1}', '[1,2]', '']) {
    assert.deepEqual(parseProof(text), [], text)
  }
})
