import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import { UsageError } from '../errors/node.ts'
import { pseudonymiseColumns } from './deidentify.ts'
import { normaliseIdentifier, pseudonymOf } from './pseudonym.ts'

test('pseudonymise: the named column becomes the keyed hash, other columns untouched, float-written ids normalised', () => {
  const key = randomBytes(32)
  const step = pseudonymiseColumns(['CustomerID'], key)
  assert.deepEqual(step.columns(['InvoiceNo', 'CustomerID', 'Country']), ['InvoiceNo', 'CustomerID', 'Country'])
  const rows = step.rows([
    { line: 2, dataset: 'all', fields: ['536365', '17850.0', 'United Kingdom'] },
    { line: 3, dataset: 'all', fields: ['536366', '17850', 'United Kingdom'] },
    { line: 4, dataset: 'all', fields: ['536367', '', 'France'] },
  ]) as { fields: string[] }[]
  assert.equal(rows[0]!.fields[1], rows[1]!.fields[1], '17850.0 and 17850 are one customer')
  assert.match(rows[0]!.fields[1]!, /^[0-9a-f]{32}$/)
  assert.equal(rows[2]!.fields[1], '', 'no customer stays no customer')
  assert.deepEqual([rows[0]!.fields[0], rows[0]!.fields[2]], ['536365', 'United Kingdom'])
  assert.notEqual(pseudonymOf(randomBytes(32), '17850'), rows[0]!.fields[1], 'another key, another pseudonym')
  assert.throws(() => pseudonymiseColumns(['Email'], key).columns(['CustomerID']), UsageError)
})

test('pseudonyms: deterministic per key, distinct ids never collide in practice, normalisation only strips a zero fraction', () => {
  const key = randomBytes(32)
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 99_999_999 }), (a, b) => {
      assert.equal(pseudonymOf(key, `${a}.0`), pseudonymOf(key, String(a)))
      if (a !== b) assert.notEqual(pseudonymOf(key, String(a)), pseudonymOf(key, String(b)))
    }),
  )
  assert.equal(normaliseIdentifier(' 12.50 '), '12.50')
  assert.equal(normaliseIdentifier('12.00'), '12')
})
