import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { categoryNames, categoryOf, categoryRules, descriptionCategories } from './categories.ts'
import { hasRealData, onlineRetailRows, SKIP_REASON } from './testData.ts'

describe('categoryOf', () => {
  it('puts the real file’s best sellers where a shopper would look for them', () => {
    const expected: [string, string][] = [
      ['REGENCY CAKESTAND 3 TIER', 'kitchen-dining'],
      ['WHITE HANGING HEART T-LIGHT HOLDER', 'lighting-candles'],
      ['PARTY BUNTING', 'party'],
      ['JUMBO BAG RED RETROSPOT', 'bags'],
      ['LUNCH BAG RED RETROSPOT', 'bags'],
      ['PAPER CHAIN KIT 50\'S CHRISTMAS', 'christmas'],
      ['CHRISTMAS LIGHTS 10 REINDEER', 'christmas'],
      ['RED HARMONICA IN BOX', 'toys-games'],
      ['DOORMAT KEEP CALM AND COME IN', 'home-decor'],
      ['GARDENERS KNEELING PAD KEEP CALM', 'garden-outdoor'],
      ['SET/4 WHITE RETRO STORAGE CUBES', 'storage'],
      ['DOUGHNUT LIP GLOSS', 'jewellery-accessories'],
      ['SET OF 3 NOTEBOOKS IN PARCEL', 'stationery-cards'],
      ['DOTCOM POSTAGE', 'fees'],
      ['POSTAGE', 'fees'],
      ['', 'other'],
      ['zzz unknown thing', 'other'],
    ]
    for (const [d, c] of expected) assert.equal(categoryOf(d), c, d)
  })
  it('matches whole words and is case-insensitive', () => {
    assert.equal(categoryOf('jumbo bag red retrospot'), 'bags')
    assert.equal(categoryOf('SILVER PENDANT NECKLACE'), 'jewellery-accessories') // PEN must not make it stationery
    assert.equal(categoryOf('BAGATELLE'), 'other')
  })
  it('first matching rule wins (seasonal over lighting, bags over kitchen)', () => {
    assert.equal(categoryOf('CHRISTMAS LIGHTS 10 VINTAGE BAUBLES'), 'christmas')
    assert.equal(categoryOf('LIGHTS'), 'lighting-candles')
    assert.equal(categoryOf('STRAWBERRY LUNCH BOX WITH CUTLERY'), 'kitchen-dining')
    assert.equal(categoryOf('LUNCH BAG APPLE DESIGN'), 'bags')
    const order = categoryRules.map(([c]) => c)
    assert.deepEqual([...order, 'other'], [...categoryNames])
  })
  it('memoises per description dictionary', () => {
    const table = { descriptions: ['PARTY BUNTING', 'POSTAGE', 'nothing'] }
    const a = descriptionCategories(table)
    assert.equal(descriptionCategories(table), a)
    assert.deepEqual([...a].map((i) => categoryNames[i]), ['party', 'fees', 'other'])
  })
  it('puts more than 75% of the first 20,000 real rows’ sales revenue outside other', async (t) => {
    if (!hasRealData) return t.skip(SKIP_REASON)
    let total = 0
    let other = 0
    let fees = 0
    for (const r of await onlineRetailRows(20_000)) {
      const q = Number(r[3])
      const p = Number(r[5])
      if (r[0]!.startsWith('C') || q <= 0 || p <= 0) continue
      total += q * p
      const c = categoryOf(r[2]!)
      if (c === 'other') other += q * p
      if (c === 'fees') fees += q * p
    }
    assert.ok(other / total < 0.25, `other holds ${((100 * other) / total).toFixed(1)}%`)
    assert.ok((other + fees) / total < 0.25, `other + fees hold ${((100 * (other + fees)) / total).toFixed(1)}%`)
  })
})
