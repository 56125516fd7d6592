import assert from 'node:assert/strict'
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { ExactReader, openInPlace, OrderedQueue, sealInPlace, verifyInPlace } from './chunkCipher.ts'
import { chunkAad, chunkNonce } from './blobFormat.ts'
import { chunkWorkers, copyInto, SlotRing } from './chunkWorkers.ts'

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

test('verify (GHASH only) accepts exactly what AES-GCM accepts, at any length', async () => {
  // Reference: node:crypto's own AES-256-GCM over the same nonce and authenticated data.
  const lengths = [0, 1, 15, 16, 17, 255, 4096, 65_535, 65_536, 100_003, (1 << 20) + 5]
  for (const [n, length] of lengths.entries()) {
    const index = 1000 + n
    const final = n % 2 === 0
    const plain = randomBytes(length)
    const gcm = createCipheriv('aes-256-gcm', key, chunkNonce(prefix, index, final), { authTagLength: 16 })
    gcm.setAAD(chunkAad(index, final))
    const chunk = Buffer.concat([gcm.update(plain), gcm.final(), gcm.getAuthTag()])
    const slot = await new SlotRing(chunk.length, 1).acquire()
    chunk.copy(slot.buffer)
    assert.equal(await verifyInPlace(key, prefix, index, final, slot, chunk.length), chunk.length, `length ${length}`)
    assert.equal(await verifyInPlace(key, prefix, index, !final, slot, chunk.length), undefined, `length ${length}, other final flag`)
    assert.equal(await verifyInPlace(key, prefix, index + 1, final, slot, chunk.length), undefined, `length ${length}, other index`)
    for (const at of [0, Math.floor(chunk.length / 2), chunk.length - 17, chunk.length - 1]) {
      if (at < 0) continue
      slot.buffer[at]! ^= 0x80
      assert.equal(await verifyInPlace(key, prefix, index, final, slot, chunk.length), undefined, `length ${length}, bit flipped at ${at}`)
      slot.buffer[at]! ^= 0x80
    }
    assert.deepEqual(slot.buffer.subarray(0, chunk.length), chunk) // verify changes nothing
  }
})

test('a worker hash digests the slots posted to it, in order, one state per stream', async () => {
  const pool = chunkWorkers()
  const data = randomBytes(300_000)
  const [a, b, dropped] = [pool.hash(), pool.hash(), pool.hash()]
  const ring = new SlotRing(70_000, 6)
  const posted: Promise<void>[] = []
  for (let at = 0; at < data.length; at += 70_000) {
    const piece = data.subarray(at, at + 70_000)
    const slot = await ring.acquire()
    copyInto(slot.buffer, piece, 0)
    // Interleaved streams: b gets the pieces reversed, as a second, independent content.
    posted.push(a.update(slot, piece.length), dropped.update(slot, piece.length))
    await Promise.all(posted.splice(0))
    ring.release(slot)
  }
  dropped.drop()
  const reversed = Buffer.from(data).reverse()
  const slot = await ring.acquire()
  for (let at = 0; at < reversed.length; at += 70_000) {
    const piece = reversed.subarray(at, at + 70_000)
    copyInto(slot.buffer, piece, 0)
    await b.update(slot, piece.length)
  }
  assert.deepEqual(await a.digest(), createHash('sha256').update(data).digest())
  assert.deepEqual(await b.digest(), createHash('sha256').update(reversed).digest())
  assert.deepEqual(await pool.hash().digest(), createHash('sha256').digest()) // nothing posted: the empty hash
})

test('copyInto copies into and out of shared memory', () => {
  const shared = Buffer.from(new SharedArrayBuffer(10))
  copyInto(shared, new Uint8Array([1, 2, 3]), 4)
  copyInto(shared, Buffer.alloc(0), 10)
  assert.deepEqual([...shared], [0, 0, 0, 0, 1, 2, 3, 0, 0, 0])
  const out = Buffer.alloc(3)
  copyInto(out, shared.subarray(4, 7), 0)
  assert.deepEqual([...out], [1, 2, 3])
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
