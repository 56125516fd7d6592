import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_TERM_LENGTH, MAX_TERMS_PER_LISTING, prefixRange, searchTerms } from './terms.ts'

test('terms: lower-cased letter/digit runs, distinct, in order, NFKC-normalised', () => {
  assert.deepEqual(searchTerms('Daily order lines, UK 2011 — daily!', 'text/csv'), ['daily', 'order', 'lines', 'uk', '2011', 'text', 'csv'])
  assert.deepEqual(searchTerms('Überseeische Ｂestellungen 東京 données'), ['überseeische', 'bestellungen', '東京', 'données'])
  assert.equal(searchTerms('x'.repeat(100))[0]!.length, MAX_TERM_LENGTH)
  assert.equal(searchTerms(Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')).length, MAX_TERMS_PER_LISTING)
  assert.deepEqual(searchTerms('  ,;: '), [])
})

test('prefix ranges hold exactly the terms that start with the prefix', () => {
  assert.deepEqual(prefixRange('reta'), ['reta', 'retb'])
  assert.deepEqual(prefixRange('z'), ['z', '{'])
  assert.deepEqual(prefixRange('東'), ['東', String.fromCodePoint('東'.codePointAt(0)! + 1)])
  const [low, high] = prefixRange('ord')
  for (const term of ['ord', 'order', 'ordz', 'ordü']) assert.ok(term >= low && term < high, term)
  for (const term of ['orc', 'ore', 'or']) assert.ok(!(term >= low && term < high), term)
})
