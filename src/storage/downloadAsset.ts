/**
 * The buyer's side of a delivery: build and sign the download request, consume the
 * delivery stream, unwrap the asset key with the buyer key, decrypt chunk by chunk to a
 * file, and accept the file only if SHA-256(plaintext) is the listing's on-chain
 * `contentHash`. Anything else leaves no output file behind.
 *
 * Transport-agnostic: `fetchDelivery` sends the signed request and returns the response
 * body (an HTTP client, or the provider in process in tests).
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { BlobTamperedError, ContentHashMismatchError, type BlobTamperedErrorType, type ContentHashMismatchErrorType } from '../errors/storage.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { chunkCount, chunkPlainLength, decodeHeader, decodeHeaderLength, FIXED_HEADER_LENGTH, KeyWrapKind, TAG_LENGTH } from './blobFormat.ts'
import { ExactReader, openInPlace, OrderedQueue, SLOTS_PER_STREAM } from './chunkCipher.ts'
import { chunkWorkers, SlotRing, type Slot } from './chunkWorkers.ts'
import { signDownloadRequest, type SignedDownloadRequest } from './downloadRequest.ts'
import { unwrapAsRecipient } from './keyWrap.ts'
import { Writeback } from './writeback.ts'

export interface ReceiveAssetParameters {
  /** The delivery stream (blob format, asset key wrapped to the buyer). */
  source: AsyncIterable<Uint8Array>
  /** The buyer key's private key: unwraps the asset key. */
  privateKey: Hex
  /** The listing's on-chain content hash (SHA-256 of the plaintext). */
  expectedContentHash: Hex
  /** Where the verified plaintext goes (written to a temporary file first). */
  outPath: string
  /** Plaintext bytes written so far, and the total. */
  onProgress?: ((bytes: number, total: number) => void) | undefined
}

/** Refusals of {@link receiveAsset} (besides I/O errors). */
export type ReceiveAssetErrorType = BlobTamperedErrorType | ContentHashMismatchErrorType

export interface ReceiveAssetResult {
  path: string
  size: number
  contentHash: Hex
}

/**
 * Decrypts a delivery stream to `outPath` and verifies it against the on-chain commitment.
 * Refuses with {@link ContentHashMismatchError} (header or decrypted content not the
 * listing's) or {@link BlobTamperedError} `where: 'delivery'` (truncated, modified, not for
 * this key), deleting the partial output.
 *
 * @example
 * await receiveAsset({ source: response.body, privateKey, expectedContentHash: listing.contentHash, outPath: 'orders.csv' })
 */
export async function receiveAsset(p: ReceiveAssetParameters): Promise<ReceiveAssetResult> {
  const expected = p.expectedContentHash.toLowerCase() as Hex
  const reader = new ExactReader(p.source)
  const ctx = { where: 'delivery' as const }
  const tampered = (reason: 'truncated' | 'trailing-data' | 'key-unwrap' | 'header' | 'chunk-auth', extra: { chunk?: number; details?: string } = {}) =>
    new BlobTamperedError({ ...ctx, reason, ...extra })
  const temp = join(dirname(p.outPath), `.${basename(p.outPath)}.${randomBytes(6).toString('hex')}.partial`)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  let pending: Promise<unknown> | undefined
  const hash = chunkWorkers().hash() // SHA-256 of the plaintext, on a worker
  try {
    const fixed = await reader.read(FIXED_HEADER_LENGTH)
    if (fixed.length < FIXED_HEADER_LENGTH) throw tampered('truncated', { details: 'in the header' })
    const length = decodeHeaderLength(fixed, ctx)
    const rest = await reader.read(length - FIXED_HEADER_LENGTH)
    if (rest.length < length - FIXED_HEADER_LENGTH) throw tampered('truncated', { details: 'in the header' })
    const header = decodeHeader(Buffer.concat([fixed, rest]), ctx)
    if (header.keyWrap !== KeyWrapKind.ecies) throw tampered('header', { details: 'a delivery must wrap the key to the buyer' })
    if (header.contentHash !== expected) throw new ContentHashMismatchError({ expected, actual: header.contentHash, where: 'delivery' })
    const key = unwrapAsRecipient(hexToBytes(p.privateKey), header.wrappedKey, fixed)
    if (!key) throw tampered('key-unwrap', { details: 'modified in transit, or wrapped to another key' })

    handle = await open(temp, 'wx', 0o600)
    const out = handle
    const chunks = chunkCount(header.plaintextSize, header.chunkSize)
    const ring = new SlotRing(Math.min(header.chunkSize, header.plaintextSize) + TAG_LENGTH, SLOTS_PER_STREAM)
    const opening = new OrderedQueue<{ slot: Slot; length: number }>()
    const done = new Set<Promise<unknown>>() // hashed and written, per chunk
    const writeback = new Writeback(out) // the disk writes overlap the decryption
    let written = 0
    // Oldest decrypted chunk -> hash (on a worker, in order) and file (one write in flight);
    // its slot is free once both have read it.
    const writeOldest = async () => {
      const { slot, length } = await opening.shift()
      const hashed = hash.update(slot, length)
      if (pending) await pending
      const end = written + length
      pending = out.write(slot.buffer, 0, length, written).then(() => writeback.wrote(end))
      const both: Promise<unknown> = Promise.all([hashed, pending]).finally(() => {
        ring.release(slot)
        done.delete(both)
      })
      both.catch(() => {})
      done.add(both)
      written += length
      p.onProgress?.(written, header.plaintextSize)
    }
    try {
      for (let i = 0; i < chunks; i++) {
        if (opening.full) await writeOldest()
        const slot = await ring.acquire()
        const sealedLength = chunkPlainLength(i, header.plaintextSize, header.chunkSize) + TAG_LENGTH
        if ((await reader.readInto(slot.buffer, sealedLength)) < sealedLength) {
          while (opening.size > 0) await writeOldest() // an earlier bad chunk is reported first
          throw tampered('truncated', { details: `at chunk ${i} of ${chunks}` })
        }
        const index = i
        const opened = openInPlace(key, header.noncePrefix, index, index === chunks - 1, slot, sealedLength)
        opening.push(opened.then((length) => (length === undefined ? Promise.reject(tampered('chunk-auth', { chunk: index })) : { slot, length })))
      }
      while (opening.size > 0) await writeOldest()
    } finally {
      await opening.settle()
      await Promise.allSettled([...done])
      key.fill(0)
    }
    if (pending) await pending
    await writeback.settle()
    if (!(await reader.atEnd())) throw tampered('trailing-data')
    const actual = bytesToHex(await hash.digest())
    if (actual !== expected) throw new ContentHashMismatchError({ expected, actual, where: 'delivery' })
    await out.sync()
    await out.close()
    handle = undefined
    await rename(temp, p.outPath)
    return { path: p.outPath, size: header.plaintextSize, contentHash: actual }
  } catch (err) {
    hash.drop()
    await pending?.catch(() => {})
    await handle?.close().catch(() => {})
    await rm(temp, { force: true })
    await reader.close().catch(() => {})
    throw err
  }
}

export interface DownloadAssetParameters {
  client: BourseClient
  /** The buyer key (the trade's buyer): signs the request and unwraps the asset key. */
  privateKey: Hex
  tradeId: bigint
  /** The secret download token committed in the order. */
  token: Hex
  outPath: string
  /** Sends the signed request to the trade's storage provider and returns the response body. */
  fetchDelivery: (request: SignedDownloadRequest) => Promise<AsyncIterable<Uint8Array>>
  onProgress?: ((bytes: number, total: number) => void) | undefined
}

/**
 * Downloads a bought asset end to end: reads the trade and the listing's content hash from
 * the chain, signs the request, receives and verifies the delivery ({@link receiveAsset}).
 *
 * @example
 * await downloadAsset({
 *   client, privateKey: buyerKey, tradeId, token, outPath: 'orders.csv',
 *   fetchDelivery: async (request) => (await fetch(url, { method: 'POST', body: JSON.stringify(serializeDownloadRequest(request)) })).body!,
 * })
 */
export async function downloadAsset(p: DownloadAssetParameters): Promise<ReceiveAssetResult> {
  const account = privateKeyToAccount(p.privateKey)
  const { trade } = await p.client.trade(p.tradeId)
  const listing = await p.client.listing(trade.listingId)
  const { chainId, marketplace } = p.client.deployment
  const request = await signDownloadRequest({ account, chainId, marketplace, tradeId: p.tradeId, token: p.token })
  const source = await p.fetchDelivery(request)
  return receiveAsset({ source, privateKey: p.privateKey, expectedContentHash: listing.contentHash, outPath: p.outPath, onProgress: p.onProgress })
}
