import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { ExactReader, openInPlace, OrderedQueue, sealInPlace, verifyInPlace } from './chunkCipher.ts'
import { SlotRing } from './chunkWorkers.ts'

const key = randomBytes(32)
const prefix = randomBytes(7)

async function sealed(plain: Buffer, index: number, final: boolean) {
  const ring = new SlotRing(plain.length + 16, 1)
  const slot = await ring.acquire()
  plain.copy(slot.buffer)
  const length = await sealInPlace(key, prefix, index, final, slot, plain.length)
  return Buffer.from(slot.buffer.subarray(0, length))
}

/** Opens a copy of `chunk` as chunk `index` (final or not); undefined when it does not authenticate. */
async function open(chunk: Buffer, index: number, final: boolean) {
  const ring = new SlotRing(chunk.length, 1)
  const slot = await ring.acquire()
  chunk.copy(slot.buffer)
  const length = await openInPlace(key, prefix, index, final, slot, chunk.length)
  return length === undefined ? undefined : Buffer.from(slot.buffer.subarray(0, length))
}

test('a chunk opens only at its own index, with its own final flag, unmodified', async () => {
  const plain = randomBytes(3000)
  const chunk = await sealed(plain, 7, false)
  assert.equal(chunk.length, 3016)
  assert.deepEqual(await open(chunk, 7, false), plain)
  assert.equal(await open(chunk, 8, false), undefined) // reordered or dropped neighbour
  assert.equal(await open(chunk, 7, true), undefined) // presented as the last chunk: truncation
  const flipped = Buffer.from(chunk)
  flipped[3010]! ^= 1 // in the tag
  assert.equal(await open(flipped, 7, false), undefined)
  const ring = new SlotRing(chunk.length, 1)
  const slot = await ring.acquire()
  chunk.copy(slot.buffer)
  assert.equal(await verifyInPlace(key, prefix, 7, false, slot, chunk.length), chunk.length)
  assert.deepEqual(slot.buffer.subarray(0, chunk.length), chunk) // verify leaves the chunk as it was
  assert.deepEqual(await open(await sealed(Buffer.alloc(0), 0, true), 0, true), Buffer.alloc(0))
})

test('SlotRing hands out at most its slots and wakes waiters in order', async () => {
  const ring = new SlotRing(16, 2)
  const a = await ring.acquire()
  const b = await ring.acquire()
  const order: string[] = []
  const c = ring.acquire().then((s) => (order.push('c'), s))
  const d = ring.acquire().then((s) => (order.push('d'), s))
  ring.release(b)
  ring.release(a)
  assert.deepEqual(new Set([await c, await d]), new Set([a, b]))
  assert.deepEqual(order, ['c', 'd'])
})

test('OrderedQueue yields in submission order and holds rejections until their turn', async () => {
  const q = new OrderedQueue<number>(2)
  const late = new Promise<number>((r) => setTimeout(() => r(1), 20))
  q.push(late)
  q.push(Promise.reject(new Error('second failed')))
  assert.equal(q.full, true)
  assert.equal(await q.shift(), 1)
  await assert.rejects(q.shift(), /second failed/)
  assert.equal(q.size, 0)
})

test('ExactReader re-frames any piece sizes and detects the end', async () => {
  const data = randomBytes(10_000)
  async function* pieces() {
    for (let at = 0; at < data.length; at += 333) yield data.subarray(at, at + 333)
  }
  const reader = new ExactReader(pieces())
  assert.deepEqual(await reader.read(62), data.subarray(0, 62))
  const into = Buffer.alloc(5000)
  assert.equal(await reader.readInto(into, 5000), 5000)
  assert.deepEqual(into, data.subarray(62, 5062))
  assert.equal(await reader.atEnd(), false)
  assert.deepEqual(await reader.read(10_000), data.subarray(5062))
  assert.equal(await reader.atEnd(), true)
  assert.equal(reader.consumed, data.length)
})
