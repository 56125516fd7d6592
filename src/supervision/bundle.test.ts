import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Hex } from 'viem'
import { parseBundle, ProvenHeads, type ProofBundle } from './bundle.ts'

const h = (byte: string) => `0x${byte.repeat(32)}` as Hex
const bundle = (channel: Partial<ProofBundle['channel']>, batch: Partial<ProofBundle['batch']>): ProofBundle => ({
  format: 'databourse/supervision-proof/v1',
  chainId: 1,
  contract: h('00').slice(0, 42) as Hex,
  record: { recordId: h('01'), channelId: '0x7', seq: 0, link: 'access', publicFields: '{}', privateCiphertext: '0x', wrappedRecordKey: '0x', source: 's', createdAt: 0 },
  channel: { treeSize: 1, root: h('02'), inclusionProof: [], ...channel },
  batch: { number: 0, heads: 2, index: 0, path: [h('03'), h('04')], root: h('05'), txHash: null, ...batch },
})

test('a proven head is remembered under all of its inputs, and nothing else answers for it', () => {
  const proven = new ProvenHeads()
  const base = bundle({}, {})
  proven.add(ProvenHeads.keyOf(base))
  assert.ok(proven.has(ProvenHeads.keyOf(bundle({}, {}))))
  const others = [
    bundle({ treeSize: 2 }, {}),
    bundle({ root: h('12') }, {}),
    bundle({}, { number: 1 }),
    bundle({}, { heads: 3 }),
    bundle({}, { index: 1 }),
    bundle({}, { root: h('15') }),
    bundle({}, { path: [h('04'), h('03')] }),
    bundle({}, { path: [`${h('03')}${h('04').slice(2)}` as Hex] }), // the same characters, split otherwise
    bundle({}, { path: [`${h('03')},${h('04')}` as Hex] }),
    { ...base, record: { ...base.record, channelId: '0x8' as Hex } },
  ]
  for (const other of others) assert.equal(proven.has(ProvenHeads.keyOf(other)), false, JSON.stringify(other.batch))
})

test('the memo is bounded: the oldest proven head goes first', () => {
  const proven = new ProvenHeads(2)
  const keys = [0, 1, 2].map((n) => ProvenHeads.keyOf(bundle({}, { number: n })))
  for (const k of keys) proven.add(k)
  assert.deepEqual(keys.map((k) => proven.has(k)), [false, true, true])
})

test('parseBundle takes a well-formed bundle and names the first field of a malformed one', () => {
  const good = bundle({}, {})
  assert.deepEqual(parseBundle(JSON.parse(JSON.stringify(good))), { bundle: good })
  const { record: _record, ...noRecord } = good
  assert.deepEqual(parseBundle(noRecord), { error: 'record: Invalid input: expected object, received undefined' })
  const cases: [unknown, RegExp][] = [
    [{ ...good, record: { ...good.record, channelId: 'zz' } }, /^record\.channelId: must be 0x and hex digits$/],
    [{ ...good, channel: { ...good.channel, treeSize: -1 } }, /^channel\.treeSize: /],
    [{ ...good, batch: { ...good.batch, path: [1] } }, /^batch\.path\.0: /],
    [{ ...good, format: 'other' }, /^format: /],
    [null, /^the bundle: /],
  ]
  for (const [value, error] of cases) {
    const parsed = parseBundle(value)
    assert.ok('error' in parsed, JSON.stringify(value))
    assert.match(parsed.error, error)
  }
})
