import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkRecord } from './checks.ts'
import type { Link, RecordDraft } from './links.ts'
import { drafts, facts, seller, storage } from './testing/fixtures.ts'

const all = new Set<Link>(['access', 'match'])

test('well-formed records consistent with the trade pass, in link order', () => {
  assert.deepEqual(checkRecord(drafts.access, facts, new Set()), { ok: true })
  assert.deepEqual(checkRecord(drafts.match, facts, new Set(['access'])), { ok: true })
  for (const link of ['implementation', 'service', 'settlement'] as const) assert.deepEqual(checkRecord(drafts[link], facts, all), { ok: true })
})

/** [what is wrong, draft, expected rule, expected field] */
const failures: [string, RecordDraft, string, string | null, ReadonlySet<Link>][] = [
  ['a missing public field', { ...drafts.access, publicFields: { ...drafts.access.publicFields, format: undefined } } as unknown as RecordDraft, 'required-field', 'public.format', new Set()],
  ['a malformed time', { ...drafts.settlement, publicFields: { ...drafts.settlement.publicFields, paymentTime: 'yesterday' } }, 'format', 'public.paymentTime', all],
  ['a malformed amount', { ...drafts.settlement, privateFields: { ...drafts.settlement.privateFields, platformFee: '-3' } }, 'format', 'private.platformFee', all],
  ['a value outside the allowed ones', { ...drafts.service, publicFields: { ...drafts.service.publicFields, serviceType: 'teleport' } } as unknown as RecordDraft, 'allowed-values', 'public.serviceType', all],
  ['a field that is not in the table', { ...drafts.match, privateFields: { ...drafts.match.privateFields, buyerHomeAddress: 'x' } } as unknown as RecordDraft, 'unknown-field', 'private.buyerHomeAddress', new Set(['access'])],
  ['a record of an unknown trade', { ...drafts.access, channelId: 6n }, 'channel', 'channelId', new Set()],
  ['match before access', drafts.match, 'link-order', 'link', new Set()],
  ['settlement before match', drafts.settlement, 'link-order', 'link', new Set(['access'])],
  ['a second access record', drafts.access, 'link-order', 'link', new Set(['access'])],
  ['a second settlement record', drafts.settlement, 'link-order', 'link', new Set(['access', 'match', 'settlement'])],
  ['a purchase price that is not the trade price', { ...drafts.match, privateFields: { ...drafts.match.privateFields, purchasePrice: '149' } }, 'trade-consistency', 'private.purchasePrice', new Set(['access'])],
  ['another storage address', { ...drafts.match, privateFields: { ...drafts.match.privateFields, storageAddress: seller } }, 'trade-consistency', 'private.storageAddress', new Set(['access'])],
  ['another content digest', { ...drafts.implementation, publicFields: { ...drafts.implementation.publicFields, contentDigest: `0x${'cd'.repeat(32)}` } }, 'trade-consistency', 'public.contentDigest', all],
  ['a delivery before the order', { ...drafts.implementation, publicFields: { ...drafts.implementation.publicFields, deliveryTime: '2020-01-01T00:00:00Z' } }, 'trade-consistency', 'public.deliveryTime', all],
  ['another server key', { ...drafts.service, publicFields: { ...drafts.service.publicFields, serverInformation: { org: storage, name: 'S', serverKey: seller } } }, 'trade-consistency', 'public.serverInformation.serverKey', all],
  ['another order number', { ...drafts.settlement, publicFields: { ...drafts.settlement.publicFields, orderNumber: '0x6' } }, 'trade-consistency', 'public.orderNumber', all],
  ['another fee', { ...drafts.settlement, privateFields: { ...drafts.settlement.privateFields, platformFee: '4' } }, 'trade-consistency', 'private.platformFee', all],
  ['another payout', { ...drafts.settlement, publicFields: { ...drafts.settlement.publicFields, amount: '150' } }, 'trade-consistency', 'public.amount', all],
  ['another seller key', { ...drafts.access, privateFields: { ...drafts.access.privateFields, ownerInformation: { org: seller, name: 'A', sellerKey: storage } } }, 'trade-consistency', 'private.ownerInformation.sellerKey', new Set()],
  ['a sales price that is not the listing\'s', { ...drafts.access, privateFields: { ...drafts.access.privateFields, salesPrice: '99' } }, 'trade-consistency', 'private.salesPrice', new Set()],
]

for (const [what, draft, rule, field, before] of failures) {
  test(`rejected: ${what} -> ${rule} (${field})`, () => {
    const result = checkRecord(draft, draft.channelId === facts.channelId ? facts : facts, before)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.equal(result.rule, rule)
    assert.equal(result.field, field)
    assert.ok(result.reason.length > 3)
  })
}

test('data service repeats: a second service record is accepted', () => {
  assert.deepEqual(checkRecord(drafts.service, facts, new Set(['access', 'match', 'service'])), { ok: true })
})

test('settlement of a trade the chain has not closed is rejected', () => {
  const r = checkRecord(drafts.settlement, { ...facts, platformFee: null, sellerPayout: null }, all)
  assert.deepEqual(r.ok ? r : { rule: r.rule, field: r.field }, { rule: 'trade-consistency', field: 'link' })
})
