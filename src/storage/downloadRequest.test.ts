import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { InvalidDownloadRequestError, InvalidDownloadSignatureError } from '../errors/storage.ts'
import {
  DOWNLOAD_REQUEST_TYPE,
  downloadRequestTypedData,
  parseDownloadRequest,
  recoverDownloadRequestSigner,
  serializeDownloadRequest,
  signDownloadRequest,
} from './downloadRequest.ts'

const domain = { chainId: 31337, marketplace: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const token: Hex = `0x${'11'.repeat(32)}`
const buyer = privateKeyToAccount(generatePrivateKey())

test('sign then recover gives the buyer address and public key', async () => {
  const request = await signDownloadRequest({ account: buyer, ...domain, tradeId: 7n, token })
  const signer = await recoverDownloadRequestSigner(domain, request)
  assert.equal(signer.address, buyer.address)
  assert.equal(signer.publicKey, buyer.publicKey)
  assert.equal(request.nonce.length, 66)
  assert.ok(Math.abs(request.issuedAt - Date.now() / 1000) < 5)
})

test('the type string matches the viem types, and the domain separates chains and contracts', async () => {
  const typed = downloadRequestTypedData(domain, { tradeId: 1n, token, buyer: buyer.address, issuedAt: 1, nonce: token })
  const fields = typed.types.DownloadRequest.map((f) => `${f.type} ${f.name}`).join(',')
  assert.equal(DOWNLOAD_REQUEST_TYPE, `DownloadRequest(${fields})`)
  assert.equal(typed.domain.name, 'databourse-storage')
  const request = await signDownloadRequest({ account: buyer, ...domain, tradeId: 7n, token })
  const elsewhere = await recoverDownloadRequestSigner({ ...domain, chainId: 1 }, request)
  assert.notEqual(elsewhere.address, buyer.address)
  const altered = await recoverDownloadRequestSigner(domain, { ...request, tradeId: 8n })
  assert.notEqual(altered.address, buyer.address)
})

test('malformed and malleable signatures are refused as malformed', async () => {
  const request = await signDownloadRequest({ account: buyer, ...domain, tradeId: 7n, token })
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const s = BigInt(`0x${request.signature.slice(66, 130)}`)
  const v = Number.parseInt(request.signature.slice(130), 16)
  const highS = `${request.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
  for (const signature of [highS, '0x1234', `${request.signature.slice(0, 130)}05`, `0x${'00'.repeat(65)}`] as Hex[]) {
    await assert.rejects(recoverDownloadRequestSigner(domain, { ...request, signature }), (e: unknown) => e instanceof InvalidDownloadSignatureError && e.reason === 'malformed')
  }
})

test('parse validates the JSON form and names the field', async () => {
  const request = await signDownloadRequest({ account: buyer, ...domain, tradeId: 123456789012345678901234567890n, token })
  const json = JSON.parse(JSON.stringify(serializeDownloadRequest(request)))
  assert.deepEqual(parseDownloadRequest(json), request)
  assert.deepEqual(parseDownloadRequest({ ...json, tradeId: `0x${request.tradeId.toString(16)}` }), request)
  const bad: [unknown, string][] = [
    [null, 'body'],
    [[], 'body'],
    [{ ...json, tradeId: 5 }, 'tradeId'],
    [{ ...json, tradeId: '-1' }, 'tradeId'],
    [{ ...json, tradeId: `0x${'f'.repeat(65)}` }, 'tradeId'],
    [{ ...json, signature: '0x00' }, 'signature'],
    [{ ...json, token: `0x${'1'.repeat(63)}` }, 'token'],
    [{ ...json, buyer: '0x123' }, 'buyer'],
    [{ ...json, issuedAt: 1.5 }, 'issuedAt'],
    [{ ...json, issuedAt: '1' }, 'issuedAt'],
    [{ ...json, nonce: undefined }, 'nonce'],
  ]
  for (const [input, field] of bad) {
    assert.throws(() => parseDownloadRequest(input), (e: unknown) => e instanceof InvalidDownloadRequestError && e.field === field, field)
  }
  assert.equal(new InvalidDownloadRequestError({ field: 'token', reason: 'must be 32 bytes of 0x-hex' }).shortMessage, 'Invalid download request: token must be 32 bytes of 0x-hex.')
})
