import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bytesToHex, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  BlobNotFoundError,
  BlobTamperedError,
  ContentHashMismatchError,
  InvalidBlobIdError,
  MasterKeyMismatchError,
  UploadInterruptedError,
  UploadTooLargeError,
} from '../errors/storage.ts'
import { LocalBlobBackend } from './backends/local.ts'
import { blobLength, KeyWrapKind, TAG_LENGTH } from './blobFormat.ts'
import type { BlobStore } from './BlobStore.ts'
import { createBlobStore } from './createBlobStore.ts'
import { receiveAsset } from './downloadAsset.ts'

const CHUNK = 1024
const HEADER = blobLength(KeyWrapKind.masterKey, 0, CHUNK) - TAG_LENGTH // 122
const sha256 = (b: Uint8Array): Hex => bytesToHex(createHash('sha256').update(b).digest())

/** Yields `data` in pieces of random sizes (1..3000 bytes). */
async function* pieces(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; ) {
    const n = 1 + Math.floor(Math.random() * 3000)
    yield data.subarray(at, at + n)
    at += n
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const b of source) out.push(Buffer.from(b))
  return Buffer.concat(out)
}

async function rejectsWith<E extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => E, check: Partial<Record<keyof E, unknown>> = {}): Promise<E> {
  const err = await p.then(
    () => assert.fail(`expected ${cls.name}`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`)
  for (const [k, v] of Object.entries(check)) assert.equal((err as never)[k], v, `${cls.name}.${k}`)
  return err as E
}

describe('BlobStore (local backend)', () => {
  let root: string
  let dir: string
  let masterKey: Uint8Array
  let store: BlobStore
  let backend: LocalBlobBackend

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'blobstore-'))
    dir = join(root, 'blobs')
    masterKey = randomBytes(32)
    store = await createBlobStore({ backend: { type: 'local', dir }, masterKey, chunkSize: CHUNK })
    backend = store.backend as LocalBlobBackend
  })
  after(() => rm(root, { recursive: true, force: true }))

  test('round trip at chunk boundaries: id = SHA-256, stored length as the format says', async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5]) {
      const data = randomBytes(size)
      const put = await store.put(pieces(data))
      assert.equal(put.id, sha256(data), `size ${size}`)
      assert.equal(put.size, size)
      assert.equal(put.chunks, Math.max(1, Math.ceil(size / CHUNK)))
      assert.equal((await stat(backend.pathOf(put.id))).size, put.storedBytes)
      assert.deepEqual(await collect(store.read(put.id)), data)
      assert.deepEqual(await store.stat(put.id), { id: put.id, size, chunkSize: CHUNK, chunks: put.chunks, storedBytes: put.storedBytes })
      await store.verify(put.id)
    }
  })

  test('ciphertext at rest: the plaintext appears nowhere in the file', async () => {
    const data = Buffer.from('order_id,sku,qty\n'.repeat(200))
    const { id } = await store.put(pieces(data))
    const raw = await readFile(backend.pathOf(id))
    assert.equal(raw.indexOf('order_id'), -1)
    assert.equal(raw.subarray(0, 6).toString(), 'DBBLOB')
  })

  test('the same content is stored once; ids are normalised and validated', async () => {
    const data = randomBytes(2 * CHUNK)
    const first = await store.put(pieces(data))
    const second = await store.put(pieces(data))
    assert.equal(first.created, true)
    assert.equal(second.created, false)
    assert.equal(await store.has(first.id.toUpperCase().replace('0X', '0x')), true)
    await assert.rejects(store.stat('0x1234'), InvalidBlobIdError)
    await rejectsWith(store.stat(`0x${'0'.repeat(64)}`), BlobNotFoundError)
    const ids: string[] = []
    for await (const id of store.list()) ids.push(id)
    assert.equal(ids.filter((i) => i === first.id).length, 1)
  })

  test('refused uploads store nothing and leave no partial file', async () => {
    const data = randomBytes(3 * CHUNK)
    await rejectsWith(store.put(pieces(data), { expectedContentHash: sha256(randomBytes(8)) }), ContentHashMismatchError, { where: 'upload' })
    async function* failing() {
      yield data.subarray(0, 2000)
      throw new Error('client went away')
    }
    const err = await rejectsWith(store.put(failing()), UploadInterruptedError)
    assert.equal((err.cause as Error).message, 'client went away')
    const controller = new AbortController()
    async function* aborting() {
      yield data.subarray(0, 2000)
      controller.abort(new Error('shutdown'))
      yield data.subarray(2000)
    }
    await rejectsWith(store.put(aborting(), { signal: controller.signal }), UploadInterruptedError)
    async function* stalls() {
      yield data.subarray(0, 2000)
      await new Promise(() => {}) // the client stops sending but keeps the connection
    }
    const shutdown = new AbortController()
    setTimeout(() => shutdown.abort(new Error('shutdown')), 20)
    await rejectsWith(store.put(stalls(), { signal: shutdown.signal }), UploadInterruptedError)
    const small = await createBlobStore({ backend: { type: 'local', dir }, masterKey, chunkSize: CHUNK, maxBytes: 2 * CHUNK })
    await rejectsWith(small.put(pieces(data)), UploadTooLargeError, { limit: 2 * CHUNK })
    assert.deepEqual(await readdir(join(dir, '.partial')), [])
    assert.equal(await store.has(sha256(data)), false)
  })

  test('a store opened with another master key is refused at once', async () => {
    await rejectsWith(createBlobStore({ backend: { type: 'local', dir }, masterKey: randomBytes(32) }), MasterKeyMismatchError)
  })

  describe('tampering is detected and named', () => {
    const data = randomBytes(3 * CHUNK + 100) // chunks: 1024, 1024, 1024, 100
    let id: Hex
    let pristine: Buffer
    let path: string
    const stride = CHUNK + TAG_LENGTH

    before(async () => {
      ;({ id } = await store.put(pieces(data)))
      path = backend.pathOf(id)
      pristine = await readFile(path)
    })
    const restore = () => writeFile(path, pristine)
    const edit = async (change: (b: Buffer) => Buffer) => writeFile(path, change(Buffer.from(pristine)))
    const flip = (offset: number) => edit((b) => ((b[offset]! ^= 0x01), b))
    const consume = (i: string) => collect(store.read(i))

    test('a flipped byte in any chunk (ciphertext or tag) fails that chunk', async () => {
      for (const [offset, chunk] of [
        [HEADER + 5, 0],
        [HEADER + stride + CHUNK + 3, 1], // chunk 1's tag
        [HEADER + 3 * stride + 50, 3],
      ] as const) {
        await flip(offset)
        await rejectsWith(consume(id), BlobTamperedError, { reason: 'chunk-auth', chunk, where: 'store' })
        await rejectsWith(store.verify(id), BlobTamperedError, { reason: 'chunk-auth', chunk })
      }
      await restore()
    })

    test('reordered chunks fail at the first moved one', async () => {
      await edit((b) => {
        const c0 = Buffer.from(b.subarray(HEADER, HEADER + stride))
        b.copy(b, HEADER, HEADER + stride, HEADER + 2 * stride)
        c0.copy(b, HEADER + stride)
        return b
      })
      await rejectsWith(consume(id), BlobTamperedError, { reason: 'chunk-auth', chunk: 0 })
      await restore()
    })

    test('header edits break the key unwrap; garbage headers are malformed', async () => {
      await flip(19) // plaintext size (low byte)
      await rejectsWith(store.stat(id), BlobTamperedError, { reason: 'key-unwrap' })
      await restore()
      await flip(70) // inside the wrapped key
      await rejectsWith(store.stat(id), BlobTamperedError, { reason: 'key-unwrap' })
      await restore()
      await flip(0) // magic
      await rejectsWith(store.stat(id), BlobTamperedError, { reason: 'header' })
      await restore()
    })

    test('truncation (mid-chunk or a whole final chunk) and trailing data', async () => {
      await truncate(path, pristine.length - 1)
      await rejectsWith(consume(id), BlobTamperedError, { reason: 'truncated' })
      await truncate(path, HEADER + 3 * stride) // drop the final chunk
      await rejectsWith(consume(id), BlobTamperedError, { reason: 'truncated' })
      await writeFile(path, Buffer.concat([pristine, Buffer.from([0])]))
      await rejectsWith(consume(id), BlobTamperedError, { reason: 'trailing-data' })
      await restore()
    })

    test('a blob copied under another id is refused', async () => {
      const other = `0x${'ab'.repeat(32)}` as Hex
      await mkdir(join(dir, 'ab'), { recursive: true })
      await writeFile(backend.pathOf(other), pristine)
      await rejectsWith(store.stat(other), BlobTamperedError, { reason: 'id-mismatch' })
      await rm(backend.pathOf(other))
    })

    test('deliver refuses a damaged first chunk before sending anything', async () => {
      await flip(HEADER + 1)
      const buyer = privateKeyToAccount(generatePrivateKey())
      await rejectsWith(store.deliver(id, Buffer.from(buyer.publicKey.slice(2), 'hex')), BlobTamperedError, { reason: 'chunk-auth', chunk: 0 })
      await restore()
    })
  })

  describe('delivery to a buyer key', () => {
    const buyerKey = generatePrivateKey()
    const buyerPublicKey = Buffer.from(privateKeyToAccount(buyerKey).publicKey.slice(2), 'hex')
    const data = randomBytes(5 * CHUNK + 7)
    let id: Hex
    let out: string

    before(async () => {
      ;({ id } = await store.put(pieces(data)))
      out = join(root, 'received.bin')
    })

    /** The delivery bytes, edited, re-chunked at random. */
    async function delivered(edit: (b: Buffer) => Buffer = (b) => b): Promise<AsyncGenerator<Uint8Array>> {
      const delivery = await store.deliver(id, buyerPublicKey)
      const bytes = await collect(delivery.stream)
      assert.equal(bytes.length, delivery.byteLength)
      return pieces(edit(bytes))
    }

    test('decrypts to the plaintext and checks the on-chain hash', async () => {
      const result = await receiveAsset({ source: await delivered(), privateKey: buyerKey, expectedContentHash: id, outPath: out })
      assert.deepEqual(await readFile(out), data)
      assert.equal(result.contentHash, id)
      await rm(out)
    })

    test('refusals leave no output file', async () => {
      const header = blobLength(KeyWrapKind.ecies, 0, CHUNK) - TAG_LENGTH
      const cases: [string, () => Promise<unknown>, new (...a: never[]) => Error, Record<string, unknown>][] = [
        ['flipped byte', async () => receiveAsset({ source: await delivered((b) => ((b[header + 2 * (CHUNK + 16) + 9]! ^= 1), b)), privateKey: buyerKey, expectedContentHash: id, outPath: out }), BlobTamperedError, { reason: 'chunk-auth', chunk: 2, where: 'delivery' }],
        ['cut at a chunk boundary', async () => receiveAsset({ source: await delivered((b) => b.subarray(0, header + 2 * (CHUNK + 16))), privateKey: buyerKey, expectedContentHash: id, outPath: out }), BlobTamperedError, { reason: 'truncated' }],
        ['trailing bytes', async () => receiveAsset({ source: await delivered((b) => Buffer.concat([b, Buffer.from('x')])), privateKey: buyerKey, expectedContentHash: id, outPath: out }), BlobTamperedError, { reason: 'trailing-data' }],
        ['another key', async () => receiveAsset({ source: await delivered(), privateKey: generatePrivateKey(), expectedContentHash: id, outPath: out }), BlobTamperedError, { reason: 'key-unwrap' }],
        ['another listing', async () => receiveAsset({ source: await delivered(), privateKey: buyerKey, expectedContentHash: sha256(Buffer.from('other')), outPath: out }), ContentHashMismatchError, { where: 'delivery' }],
      ]
      for (const [name, run, cls, check] of cases) {
        await rejectsWith(run(), cls as never, check as never).catch((e: Error) => assert.fail(`${name}: ${e.message}`))
        assert.equal(existsSync(out), false, name)
        assert.deepEqual((await readdir(root)).filter((f) => f.endsWith('.partial')), [], name)
      }
    })
  })

  test('a crash (SIGKILL) mid-upload leaves a partial that the next open removes', async () => {
    const child = join(root, 'upload-child.mts')
    const storeModule = fileURLToPath(new URL('./createBlobStore.ts', import.meta.url))
    await writeFile(
      child,
      `import { createBlobStore } from ${JSON.stringify(storeModule)}
const store = await createBlobStore({ backend: { type: 'local', dir: process.argv[2] }, masterKey: Buffer.from(process.argv[3], 'hex'), chunkSize: 65536 })
const block = Buffer.alloc(65536, 7)
let said = false
async function* forever() { for (;;) { yield block; await new Promise((r) => setImmediate(r)) } }
await store.put(forever(), { onProgress: (n) => { if (!said && n > 4 << 20) { said = true; process.stdout.write('uploading\\n') } } })
`,
    )
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, Buffer.from(masterKey).toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => d.toString().includes('uploading') && resolve())
      proc.once('exit', (code) => reject(new Error(`child exited early (${code})`)))
    })
    proc.kill('SIGKILL')
    await new Promise((r) => proc.once('exit', r))
    const partials = await readdir(join(dir, '.partial'))
    assert.equal(partials.length, 1)
    assert.ok((await stat(join(dir, '.partial', partials[0]!))).size > 4 << 20)
    const before = await collect((async function* () { for await (const i of store.list()) yield Buffer.from(i) })())
    const reopened = await createBlobStore({ backend: { type: 'local', dir }, masterKey, chunkSize: CHUNK })
    assert.equal(reopened.removedPartials, 1)
    assert.deepEqual(await readdir(join(dir, '.partial')), [])
    const afterIds = await collect((async function* () { for await (const i of reopened.list()) yield Buffer.from(i) })())
    assert.deepEqual(afterIds, before) // nothing half-written was published
  })

  test('an upload in progress in this process survives a concurrent cleanup', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    async function* slow() {
      yield randomBytes(3 * CHUNK)
      await gate
      yield randomBytes(10)
    }
    const upload = store.put(slow())
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(await backend.cleanupPartials(), 0)
    release()
    const { id } = await upload
    await store.verify(id)
  })

  test('1 GiB streamed through upload and verified read in bounded memory', { skip: process.env.STORAGE_TEST_SKIP_1GIB ? 'STORAGE_TEST_SKIP_1GIB is set' : false }, async () => {
    const big = await createBlobStore({ backend: { type: 'local', dir }, masterKey })
    const total = 1 << 30
    const block = randomBytes(1 << 20)
    const hash = createHash('sha256')
    let peak = 0
    const sample = () => (peak = Math.max(peak, process.memoryUsage().rss))
    const base = process.memoryUsage().rss
    async function* generate() {
      for (let i = 0; i < total / block.length; i++) {
        block.writeUInt32BE(i, 0) // every MiB differs
        hash.update(block)
        sample()
        yield block
      }
    }
    const started = performance.now()
    const put = await big.put(generate())
    const uploadMs = performance.now() - started
    assert.equal(put.size, total)
    assert.equal(put.id, bytesToHex(hash.digest()))
    const readStarted = performance.now()
    const readHash = createHash('sha256')
    for await (const chunk of big.read(put.id)) {
      readHash.update(chunk)
      sample()
    }
    const readMs = performance.now() - readStarted
    assert.equal(bytesToHex(readHash.digest()), put.id)
    assert.ok(peak - base < 256 << 20, `RSS grew by ${(peak - base) >> 20} MiB`)
    console.log(`1 GiB: upload ${(uploadMs / 1000).toFixed(1)} s (${(1024 / (uploadMs / 1000)).toFixed(0)} MB/s), verified read ${(readMs / 1000).toFixed(1)} s, RSS +${(peak - base) >> 20} MiB`)
    await big.delete(put.id)
  })
})

test('LocalBlobBackend: a partial owned by a live foreign process is kept, by a dead one removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'blobbackend-'))
  try {
    const backend = new LocalBlobBackend({ dir: root })
    await mkdir(join(root, '.partial'), { recursive: true })
    await writeFile(join(root, '.partial', `${process.ppid}-aaaa.part`), 'x') // the test runner: alive
    await writeFile(join(root, '.partial', '2147483646-bbbb.part'), 'x') // no such process
    assert.equal(await backend.cleanupPartials(), 1)
    assert.deepEqual(await readdir(join(root, '.partial')), [`${process.ppid}-aaaa.part`])
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})
