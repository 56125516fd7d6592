import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ChannelMap, ChannelSet } from './ChannelMap.ts'

// Channel ids as trade ids are built: (buyer << 96) | order count — many share their low bits.
const channelId = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }), fc.integer({ min: 0, max: 3 })).map(([buyer, order]) => (buyer << 96n) | BigInt(order))
const operation = (keys: bigint[]) =>
  fc.oneof(
    fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value: fc.integer() }),
    fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
    fc.record({ op: fc.constant('clear' as const) }),
  )

test('ChannelMap behaves exactly like Map<bigint, V>: contents, sizes, answers and insertion order', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(channelId, { minLength: 1, maxLength: 8 }).chain((keys) => fc.tuple(fc.constant(keys), fc.array(operation(keys), { maxLength: 60 }))),
      ([keys, operations]) => {
        const model = new Map<bigint, number>()
        const map = new ChannelMap<number>()
        for (const o of operations) {
          if (o.op === 'set') assert.equal(map.set(o.key, o.value), map)
          if (o.op === 'set') model.set(o.key, o.value)
          if (o.op === 'delete') assert.equal(map.delete(o.key), model.delete(o.key))
          if (o.op === 'clear') {
            map.clear()
            model.clear()
          }
          assert.equal(map.size, model.size)
          for (const k of keys) {
            assert.equal(map.has(k), model.has(k))
            assert.equal(map.get(k), model.get(k))
          }
          assert.deepEqual([...map], [...model])
          assert.deepEqual([...map.keys()], [...model.keys()])
          assert.deepEqual([...map.values()], [...model.values()])
          const seen: [bigint, number][] = []
          map.forEach((v, k) => seen.push([k, v]))
          assert.deepEqual(seen, [...model.entries()])
        }
      },
    ),
  )
})

test('ChannelSet behaves exactly like Set<bigint>', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), channelId.map((id) => id % (1n << 100n))), { maxLength: 60 }), (operations) => {
      const model = new Set<bigint>()
      const set = new ChannelSet()
      for (const [add, id] of operations) {
        if (add) {
          set.add(id)
          model.add(id)
        } else assert.equal(set.delete(id), model.delete(id))
        assert.equal(set.size, model.size)
        assert.equal(set.has(id), model.has(id))
        assert.deepEqual([...set], [...model])
        assert.deepEqual([...set.entries()], [...model.entries()])
      }
    }),
  )
})

test('0x1 and 1 << 96 are different channels (no key folding)', () => {
  const map = new ChannelMap([[1n, 'a'], [1n << 96n, 'b'], [(1n << 96n) | 1n, 'c']])
  assert.deepEqual([...map.values()], ['a', 'b', 'c'])
  assert.equal(map.get(1n << 96n), 'b')
})
