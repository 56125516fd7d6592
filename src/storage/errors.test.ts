/**
 * The messages of the storage errors (src/errors/storage.ts), checked as text: they are what
 * a buyer or an operator reads, and must never carry a token or a key.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  BlobTamperedError,
  ContentHashMismatchError,
  DownloadExpiredError,
  DownloadInterruptedError,
  DownloadTokenMismatchError,
  DownloadTokenReplayedError,
  DownloadTradeStateError,
  DownloadWrongBuyerError,
  DownloadWrongProviderError,
  InvalidDownloadSignatureError,
} from '../errors/storage.ts'

const id = `0x${'ab'.repeat(32)}` as const
const buyer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const other = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

test('short messages say what was refused and why', () => {
  const cases: [Error & { shortMessage: string }, string][] = [
    [new BlobTamperedError({ id, where: 'store', reason: 'chunk-auth', chunk: 5 }), 'Stored blob 0xabababab…ababab failed authentication at chunk 5 (modified, reordered, dropped or cut off); refused.'],
    [new BlobTamperedError({ where: 'delivery', reason: 'truncated' }), 'The delivery stream is truncated (shorter than its header announces); refused.'],
    [new BlobTamperedError({ id, where: 'store', reason: 'key-unwrap' }), 'Stored blob 0xabababab…ababab has a modified header or wrapped key (the asset key does not authenticate); refused.'],
    [new ContentHashMismatchError({ expected: id, actual: `0x${'cd'.repeat(32)}`, where: 'delivery' }), 'The delivered content does not match its commitment: SHA-256 0xcdcdcdcd…cdcdcd, expected 0xabababab…ababab.'],
    [new InvalidDownloadSignatureError({ reason: 'not-signer' }), 'Download refused: the request was not signed by the buyer it names (forged or altered).'],
    [new DownloadWrongBuyerError({ tradeId: 255n, signer: other, buyer }), `Download refused: ${other} is not the buyer of trade 0xff.`],
    [new DownloadTokenMismatchError({ tradeId: 255n }), 'Download refused: the token is not the one committed for trade 0xff.'],
    [new DownloadTradeStateError({ tradeId: 255n, state: 'Settled', open: false }), 'Download refused: trade 0xff is closed and in state Settled, not Accepted.'],
    [new DownloadWrongProviderError({ tradeId: 255n, tradeProvider: other, provider: buyer }), `Download refused: trade 0xff is served by storage key ${other}, not by this provider (${buyer}).`],
    [new DownloadExpiredError({ tradeId: 255n, reason: 'trade-deadline', limit: 1000, now: 1200 }), 'Download refused for trade 0xff: its download deadline 1000 has passed (chain time 1200, including the confirmation margin).'],
    [new DownloadTokenReplayedError({ tradeId: 255n, reason: 'completed' }), 'Download refused: the token of trade 0xff is single-use and it was already used for a complete download.'],
    [new DownloadInterruptedError({ tradeId: 255n, bytes: 4096 }), 'The download of trade 0xff stopped after 4096 bytes; it was not confirmed.'],
  ]
  for (const [error, message] of cases) {
    assert.equal(error.shortMessage, message)
    assert.match(error.message, /Docs: src\/storage\/README\.md/)
  }
})
