/** The error mapping: status, code and body for each kind of error; unknown errors say nothing of their cause. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HTTPException } from 'hono/http-exception'
import { HttpRequestError } from 'viem'
import { ApiAuthenticationError, ApiForbiddenError, ApiUnavailableError, ApiValidationError } from '../../errors/api.ts'
import { ContractRevertError } from '../../errors/contract.ts'
import { InvalidCursorError } from '../../errors/db.ts'
import { TradeNotFoundError } from '../../errors/sdk.ts'
import { DownloadExpiredError, DownloadTokenReplayedError, InvalidDownloadRequestError } from '../../errors/storage.ts'
import { toHttpError } from './httpError.ts'

const revert = (errorName: string, errorArgs: Record<string, unknown> = {}) => new ContractRevertError({ errorName, errorArgs, functionName: 'order' })

test('each error class maps to its status and body', () => {
  const cases: [unknown, number, object][] = [
    [new ApiValidationError({ field: 'body.amount', reason: 'is required' }), 400, { code: 'INVALID_REQUEST', message: 'Invalid request: body.amount is required.', field: 'body.amount' }],
    [new ApiAuthenticationError({ reason: 'replayed', field: 'x-bourse-nonce' }), 401, { code: 'UNAUTHENTICATED', message: 'Authentication failed: this nonce was already used; sign every request with a fresh nonce.', reason: 'replayed', field: 'header x-bourse-nonce' }],
    [new ApiForbiddenError({ reason: 'wrong-role', signer: '0xabc', role: 'Buyer' }), 403, { code: 'FORBIDDEN', message: 'Forbidden: 0xabc is not a Buyer key; this action needs the Buyer key.', reason: 'wrong-role' }],
    [revert('MarketplacePriceAboveMax', { price: 150n, maxPrice: 1n }), 409, { code: 'MarketplacePriceAboveMax', message: 'order: MarketplacePriceAboveMax(price=150, maxPrice=1)', args: { price: '150', maxPrice: '1' } }],
    [revert('MarketplaceUnauthorized'), 403, { code: 'MarketplaceUnauthorized', message: 'order: MarketplaceUnauthorized()', args: {} }],
    [revert('MarketplaceListingNotFound', { listingId: 9n }), 404, { code: 'MarketplaceListingNotFound', message: 'order: MarketplaceListingNotFound(listingId=9)', args: { listingId: '9' } }],
    [new TradeNotFoundError({ kind: 'listing', id: 9n }), 404, { code: 'NOT_FOUND', message: 'No listing 9 on this deployment.' }],
    [new InvalidCursorError({ reason: 'malformed cursor' }), 400, { code: 'INVALID_REQUEST', message: 'Invalid query parameter "cursor": malformed cursor.', field: 'query.cursor', reason: 'malformed cursor' }],
    [new InvalidDownloadRequestError({ field: 'nonce', reason: 'must be 32 bytes of 0x-hex' }), 400, { code: 'INVALID_REQUEST', message: 'Invalid download request: nonce must be 32 bytes of 0x-hex.', field: 'body.nonce', reason: 'must be 32 bytes of 0x-hex' }],
    [new DownloadTokenReplayedError({ tradeId: 1n, reason: 'completed' }), 409, { code: 'DOWNLOAD_TOKEN_REPLAYED', message: 'Download refused: the token of trade 0x1 is single-use and it was already used for a complete download.', reason: 'completed' }],
    [new DownloadExpiredError({ tradeId: 1n, reason: 'request-stale', limit: 5, now: 900 }), 410, { code: 'DOWNLOAD_EXPIRED', message: 'Download refused for trade 0x1: the request was signed at 5, too long before now (900); sign a new one.', reason: 'request-stale' }],
    [new ApiUnavailableError({ reason: 'database' }), 503, { code: 'UNAVAILABLE', message: 'Unavailable: this node runs without the off-chain database, which this route reads.', reason: 'database' }],
    [new HTTPException(400, { message: 'Malformed JSON in request body' }), 400, { code: 'INVALID_REQUEST', message: 'Malformed JSON in request body', field: 'body' }],
  ]
  for (const [err, status, error] of cases) {
    const mapped = toHttpError(err)
    assert.equal(mapped.status, status, (err as Error).name)
    assert.deepEqual(mapped.body, { error }, (err as Error).name)
    assert.equal(mapped.unexpected, false)
  }
})

test('an unreachable chain is a 503 to retry', () => {
  const mapped = toHttpError(new HttpRequestError({ url: 'http://127.0.0.1:8545', details: 'fetch failed' }))
  assert.deepEqual([mapped.status, mapped.body.error.code, mapped.body.error.reason, mapped.unexpected], [503, 'UNAVAILABLE', 'chain', true])
  assert.doesNotMatch(JSON.stringify(mapped.body), /8545/)
})

test('an unknown error is a generic 500 that reveals nothing of its cause', () => {
  const mapped = toHttpError(new Error('connect ECONNREFUSED postgres://bourse:secret@db:5432'))
  assert.equal(mapped.status, 500)
  assert.equal(mapped.unexpected, true)
  assert.deepEqual(mapped.body, { error: { code: 'INTERNAL', message: 'Internal error; the node logged its cause.' } })
})
