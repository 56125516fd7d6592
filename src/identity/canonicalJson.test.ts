import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { canonicalJson, type CanonicalValue } from './canonicalJson.ts'

/** The definition, written the obvious way: the fast implementation must give the same text. */
function reference(value: CanonicalValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((v: CanonicalValue) => reference(v)).join(',')}]`
  const o = value as Record<string, CanonicalValue | undefined>
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${reference(o[k]!)}`)
    .join(',')}}`
}

test('canonicalJson equals the sorted-keys definition and parses back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value as CanonicalValue)
      assert.equal(text, reference(value as CanonicalValue))
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)))
    }),
    { numRuns: 500 },
  )
})

test('canonicalJson: key order and undefined members do not matter; code-unit order, not integer order', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null], c: undefined }), '{"a":[true,null],"b":1}')
  assert.equal(canonicalJson({ 10: 'x', 2: 'y', B: 0, a: 0 }), '{"10":"x","2":"y","B":0,"a":0}')
  assert.equal(canonicalJson({ only: undefined }), '{}')
  assert.equal(canonicalJson([]), '[]')
  assert.throws(() => canonicalJson({ n: Number.NaN }), /finite/)
})
