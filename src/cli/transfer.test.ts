/**
 * The transfer helpers of the data commands, in process (the commands themselves run as real
 * processes in data.test.ts).
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { ApiResponseError } from '../errors/api.ts'
import type { BaseError } from '../errors/base.ts'
import { explained, formatBytes, sha256File, uploadFile } from './transfer.ts'

const sha256 = (bytes: Buffer) => `0x${createHash('sha256').update(bytes).digest('hex')}`

describe('data command helpers', () => {
  test('sha256File hashes in a streaming pass and reports progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bourse-hash-'))
    try {
      const bytes = randomBytes(2.5 * 1024 * 1024)
      writeFileSync(join(dir, 'f'), bytes)
      const seen: number[] = []
      assert.equal(await sha256File(join(dir, 'f'), (n) => seen.push(n)), sha256(bytes))
      assert.deepEqual(seen, [1 << 20, 2 << 20, bytes.length])
      writeFileSync(join(dir, 'empty'), '')
      assert.equal(await sha256File(join(dir, 'empty')), sha256(Buffer.alloc(0)))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('formatBytes', () => {
    assert.deepEqual([0, 1023, 1024, 8_000_000, 1 << 30].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '7.6 MiB', '1.0 GiB'])
  })

  test("explained: the node's refusal with what answered as the details line", () => {
    const err = new ApiResponseError({
      status: 409,
      method: 'POST',
      path: '/v1/downloads',
      error: { code: 'DOWNLOAD_TOKEN_REPLAYED', message: 'Download refused: the token of trade 0x1 is single-use and it was already used for a complete download.', reason: 'completed' },
    })
    const e = explained(err) as BaseError
    assert.equal(e.shortMessage, err.shortMessage)
    assert.equal(e.details, 'the node answered 409 DOWNLOAD_TOKEN_REPLAYED (reason completed)')
    assert.equal(e.cause, err)
    const other = new Error('x')
    assert.equal(explained(other), other)
  })
})

describe('uploadFile', () => {
  /** A stand-in for the node: records what arrives, answers with `answer`. */
  async function withServer(answer: (req: IncomingMessage, res: ServerResponse) => void, run: (url: string) => Promise<void>) {
    const server = createServer(answer)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  }
  const account = privateKeyToAccount(generatePrivateKey())

  test('streams the file with the signed hash, in bounded memory (128 MiB)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bourse-upload-'))
    try {
      const file = join(dir, 'f')
      const block = randomBytes(1 << 20)
      writeFileSync(file, '')
      for (let i = 0; i < 128; i++) appendFileSync(file, block)
      const contentHash = await sha256File(file)
      const baseline = process.memoryUsage().arrayBuffers
      let peak = 0
      await withServer(
        async (req, res) => {
          const hash = createHash('sha256')
          for await (const chunk of req) hash.update(chunk as Buffer)
          assert.equal(req.headers['x-bourse-body-sha256'], contentHash)
          assert.equal(req.headers['x-bourse-address'], account.address)
          assert.equal(req.headers['content-length'], String(128 << 20))
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ contentHash: `0x${hash.digest('hex')}`, size: 128 << 20, created: true, storageProvider: account.address }))
        },
        async (url) => {
          const r = await uploadFile({ api: { url, chainId: 31337 }, account, path: file, contentHash, onProgress: () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)) })
          assert.equal(r.contentHash, contentHash)
        },
      )
      // The whole file never sits in memory (Node 20's fetch with a stream body keeps every chunk).
      assert.ok(peak - baseline < 64 << 20, `arrayBuffers grew by ${(peak - baseline) >> 20} MiB`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("a refusal is the node's error, and the rest of the file is not sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bourse-upload-'))
    try {
      const file = join(dir, 'f')
      writeFileSync(file, Buffer.alloc(64 << 20))
      await withServer(
        (_req, res) => {
          res.writeHead(403, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'Forbidden: not an active Seller key.', reason: 'role-inactive' } }))
        },
        async (url) => {
          const started = performance.now()
          await assert.rejects(uploadFile({ api: { url, chainId: 31337 }, account, path: file, contentHash: `0x${'00'.repeat(32)}` }), { name: 'ApiResponseError', status: 403, code: 'FORBIDDEN', reason: 'role-inactive' })
          assert.ok(performance.now() - started < 5_000)
        },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
