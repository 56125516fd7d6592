import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { canonicalJson, inCanonicalOrder, type CanonicalValue } from './canonicalJson.ts'

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

/** A JSON value rebuilt with every object's keys in code-unit order (the fast path's input). */
function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(sorted)
  const o = value as Record<string, unknown>
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sorted(o[k])]))
}

test('canonicalJson: values already in canonical order (the native fast path) give the definition\'s text too', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const inOrder = sorted(value)
      assert.equal(canonicalJson(inOrder as CanonicalValue), reference(value as CanonicalValue))
      // Integer-like keys are enumerated in numeric order, which is not code-unit order ("10" < "9").
      const keys = JSON.stringify(inOrder).match(/"(\d+)":/g)
      if (!keys) assert.equal(inCanonicalOrder(inOrder), true)
    }),
    { numRuns: 500 },
  )
})

test('inCanonicalOrder refuses what JSON.stringify would write differently from the definition', () => {
  assert.equal(inCanonicalOrder({ a: 1, b: { c: [1, 'x', null, true] } }), true)
  assert.equal(inCanonicalOrder({ b: 1, a: 1 }), false) // keys out of order
  assert.equal(inCanonicalOrder({ 9: 'x', 10: 'y' }), false) // enumerated 9, 10; canonical is "10", "9"
  assert.equal(inCanonicalOrder({ a: new Date(0) }), false) // toJSON
  assert.equal(inCanonicalOrder({ a: Number.NaN }), false) // JSON.stringify writes null; canonicalJson refuses it
  assert.equal(inCanonicalOrder([1, , 3]), false) // a hole
  assert.equal(inCanonicalOrder({ a: 1n }), false)
  assert.equal(inCanonicalOrder({ a: () => 1 }), false)
  const withToJson = Object.create({ toJSON: () => 'x' }) as Record<string, number>
  withToJson.a = 1
  assert.equal(inCanonicalOrder(withToJson), false)
  assert.equal(canonicalJson({ a: 1, b: undefined, c: 2 }), '{"a":1,"c":2}')
  assert.throws(() => canonicalJson({ a: Number.NaN }), /finite/)
})
