/**
 * Errors of the storage provider (src/storage): the encrypted blob store, download requests
 * and their checks, and the buyer's side of a delivery. One class per condition; the
 * download-request checks each have their own class so a caller (the HTTP API) can map them
 * to a status and a reason without parsing messages.
 *
 * No error here ever carries a download token, an asset key, a master key or a private
 * key: only trade ids, content hashes, addresses, positions and sizes.
 */
import type { Address, Hex } from 'viem'
import { BaseError } from './base.ts'

const docsPath = 'src/storage/README.md'

const tradeHex = (tradeId: bigint) => `0x${tradeId.toString(16)}`
const shortHash = (hash: string) => (hash.length > 18 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash)

// ---------------------------------------------------------------- blob store

export type BlobIntegrityReason =
  /** Bad magic, version, key-wrap kind, chunk size, reserved byte or wrapped-key length. */
  | 'header'
  /** The wrapped asset key does not authenticate against the header: the header was modified. */
  | 'key-unwrap'
  /** The header names other content than the id the blob is stored under. */
  | 'id-mismatch'
  /** Fewer bytes than the header announces. */
  | 'truncated'
  /** Bytes after the final chunk. */
  | 'trailing-data'
  /** A chunk's GCM tag did not verify: modified, reordered, dropped or cut at a chunk boundary. */
  | 'chunk-auth'

export type BlobTamperedErrorType = BlobTamperedError & { name: 'BlobTamperedError' }
/**
 * A stored blob (`where: 'store'`) or a delivery stream (`where: 'delivery'`) failed its
 * integrity checks and is refused. Nothing decrypted from it is released.
 */
export class BlobTamperedError extends BaseError {
  readonly reason: BlobIntegrityReason
  readonly where: 'store' | 'delivery'
  readonly id: Hex | undefined
  readonly chunk: number | undefined
  constructor({ id, where, reason, chunk, details }: { id?: Hex | undefined; where: 'store' | 'delivery'; reason: BlobIntegrityReason; chunk?: number; details?: string }) {
    const what = where === 'store' ? `Stored blob ${id ? shortHash(id) : ''}`.trimEnd() : 'The delivery stream'
    const why = {
      header: 'has a malformed header',
      'key-unwrap': 'has a modified header or wrapped key (the asset key does not authenticate)',
      'id-mismatch': 'holds other content than the id it is stored under',
      truncated: 'is truncated (shorter than its header announces)',
      'trailing-data': 'has data after its final chunk',
      'chunk-auth': `failed authentication at chunk ${chunk} (modified, reordered, dropped or cut off)`,
    }[reason]
    super(`${what} ${why}; refused.`, { details, docsPath, name: 'BlobTamperedError' })
    this.reason = reason
    this.where = where
    this.id = id
    this.chunk = chunk
  }
}

export type BlobNotFoundErrorType = BlobNotFoundError & { name: 'BlobNotFoundError' }
/** No blob with that content hash is stored. */
export class BlobNotFoundError extends BaseError {
  readonly id: Hex
  constructor({ id }: { id: Hex }) {
    super(`No blob with content hash ${id} is stored here.`, { docsPath, name: 'BlobNotFoundError' })
    this.id = id
  }
}

export type InvalidBlobIdErrorType = InvalidBlobIdError & { name: 'InvalidBlobIdError' }
/** A blob id is not 0x followed by 64 hex digits (a SHA-256). */
export class InvalidBlobIdError extends BaseError {
  constructor({ id }: { id: string }) {
    super(`Invalid blob id ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)}: expected 0x and 64 hex digits (a SHA-256).`, {
      docsPath,
      name: 'InvalidBlobIdError',
    })
  }
}

export type MasterKeyMismatchErrorType = MasterKeyMismatchError & { name: 'MasterKeyMismatchError' }
/** The blob store was opened with another master key than the one that created it. */
export class MasterKeyMismatchError extends BaseError {
  constructor({ location }: { location: string }) {
    super(`The blob store at ${location} was created with a different master key.`, {
      details: 'Its asset keys cannot be unwrapped with this key; open it with the key it was created with.',
      docsPath,
      name: 'MasterKeyMismatchError',
    })
  }
}

export type InvalidStorageOptionErrorType = InvalidStorageOptionError & { name: 'InvalidStorageOptionError' }
/** A storage option (chunk size, master key, size limit, window) is out of range. */
export class InvalidStorageOptionError extends BaseError {
  readonly option: string
  constructor({ option, reason }: { option: string; reason: string }) {
    super(`Invalid storage option ${option}: ${reason}.`, { docsPath, name: 'InvalidStorageOptionError' })
    this.option = option
  }
}

export type ContentHashMismatchErrorType = ContentHashMismatchError & { name: 'ContentHashMismatchError' }
/**
 * The SHA-256 of the content is not the expected one: at upload, the hash the uploader
 * announced; at delivery, the listing's on-chain `contentHash`.
 */
export class ContentHashMismatchError extends BaseError {
  readonly expected: Hex
  readonly actual: Hex
  readonly where: 'upload' | 'delivery'
  constructor({ expected, actual, where }: { expected: Hex; actual: Hex; where: 'upload' | 'delivery' }) {
    const what = where === 'upload' ? 'The uploaded content' : 'The delivered content'
    super(`${what} does not match its commitment: SHA-256 ${shortHash(actual)}, expected ${shortHash(expected)}.`, {
      details: `expected ${expected}, got ${actual}`,
      docsPath,
      name: 'ContentHashMismatchError',
    })
    this.expected = expected
    this.actual = actual
    this.where = where
  }
}

export type UploadTooLargeErrorType = UploadTooLargeError & { name: 'UploadTooLargeError' }
/** The upload exceeded the store's size limit (or the format's 2^32 chunks). */
export class UploadTooLargeError extends BaseError {
  readonly limit: number
  constructor({ limit }: { limit: number }) {
    super(`The upload exceeds the limit of ${limit} bytes.`, { docsPath, name: 'UploadTooLargeError' })
    this.limit = limit
  }
}

export type UploadInterruptedErrorType = UploadInterruptedError & { name: 'UploadInterruptedError' }
/** The upload's source failed or was aborted before its end; nothing was stored. */
export class UploadInterruptedError extends BaseError {
  constructor({ cause, bytes }: { cause?: Error | undefined; bytes: number }) {
    super(`The upload was interrupted after ${bytes} bytes; nothing was stored.`, { cause, docsPath, name: 'UploadInterruptedError' })
  }
}

export type RedemptionLogCorruptErrorType = RedemptionLogCorruptError & { name: 'RedemptionLogCorruptError' }
/** A line before the last one of the redeemed-token log is not a valid record. */
export class RedemptionLogCorruptError extends BaseError {
  constructor({ path, line }: { path: string; line: number }) {
    super(`The redeemed-token log ${path} is corrupt at line ${line}.`, {
      details: 'Only a torn last line (crash during an append) is repaired automatically.',
      docsPath,
      name: 'RedemptionLogCorruptError',
    })
  }
}

// ---------------------------------------------------------------- download requests

export type InvalidDownloadRequestErrorType = InvalidDownloadRequestError & { name: 'InvalidDownloadRequestError' }
/** A download request is malformed: names the field and the reason. */
export class InvalidDownloadRequestError extends BaseError {
  readonly field: string
  readonly reason: string
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Invalid download request: ${field} ${reason}.`, { docsPath, name: 'InvalidDownloadRequestError' })
    this.field = field
    this.reason = reason
  }
}

export type DownloadTradeNotFoundErrorType = DownloadTradeNotFoundError & { name: 'DownloadTradeNotFoundError' }
/** The request names a trade that does not exist on this deployment. */
export class DownloadTradeNotFoundError extends BaseError {
  readonly tradeId: bigint
  constructor({ tradeId, cause }: { tradeId: bigint; cause?: Error }) {
    super(`Download refused: trade ${tradeHex(tradeId)} does not exist.`, { cause, docsPath, name: 'DownloadTradeNotFoundError' })
    this.tradeId = tradeId
  }
}

export type InvalidDownloadSignatureErrorType = InvalidDownloadSignatureError & { name: 'InvalidDownloadSignatureError' }
/**
 * Check 1a: the signature is malformed, or was not made by the address the request names
 * (forged, or the request was altered after signing).
 */
export class InvalidDownloadSignatureError extends BaseError {
  readonly reason: 'malformed' | 'not-signer'
  constructor({ reason, details }: { reason: 'malformed' | 'not-signer'; details?: string }) {
    super(
      reason === 'malformed'
        ? 'Download refused: the request signature is malformed.'
        : 'Download refused: the request was not signed by the buyer it names (forged or altered).',
      { details, docsPath, name: 'InvalidDownloadSignatureError' },
    )
    this.reason = reason
  }
}

export type DownloadWrongBuyerErrorType = DownloadWrongBuyerError & { name: 'DownloadWrongBuyerError' }
/** Check 1b: a valid signature, but by a key that is not the trade's buyer. */
export class DownloadWrongBuyerError extends BaseError {
  readonly tradeId: bigint
  readonly signer: Address
  constructor({ tradeId, signer, buyer }: { tradeId: bigint; signer: Address; buyer: Address }) {
    super(`Download refused: ${signer} is not the buyer of trade ${tradeHex(tradeId)}.`, {
      details: `the trade's buyer is ${buyer}`,
      docsPath,
      name: 'DownloadWrongBuyerError',
    })
    this.tradeId = tradeId
    this.signer = signer
  }
}

export type DownloadTokenMismatchErrorType = DownloadTokenMismatchError & { name: 'DownloadTokenMismatchError' }
/** Check 2: keccak256(token) is not the trade's on-chain token commitment. */
export class DownloadTokenMismatchError extends BaseError {
  readonly tradeId: bigint
  constructor({ tradeId }: { tradeId: bigint }) {
    super(`Download refused: the token is not the one committed for trade ${tradeHex(tradeId)}.`, { docsPath, name: 'DownloadTokenMismatchError' })
    this.tradeId = tradeId
  }
}

export type DownloadTradeStateErrorType = DownloadTradeStateError & { name: 'DownloadTradeStateError' }
/** Check 3a: the trade is closed, or not in state Accepted. */
export class DownloadTradeStateError extends BaseError {
  readonly tradeId: bigint
  readonly state: string
  readonly open: boolean
  constructor({ tradeId, state, open }: { tradeId: bigint; state: string; open: boolean }) {
    super(`Download refused: trade ${tradeHex(tradeId)} is ${open ? '' : 'closed and '}in state ${state}, not Accepted.`, {
      docsPath,
      name: 'DownloadTradeStateError',
    })
    this.tradeId = tradeId
    this.state = state
    this.open = open
  }
}

export type DownloadWrongProviderErrorType = DownloadWrongProviderError & { name: 'DownloadWrongProviderError' }
/** Check 3b: the trade names another storage provider key than this provider's. */
export class DownloadWrongProviderError extends BaseError {
  readonly tradeId: bigint
  constructor({ tradeId, tradeProvider, provider }: { tradeId: bigint; tradeProvider: Address; provider: Address }) {
    super(`Download refused: trade ${tradeHex(tradeId)} is served by storage key ${tradeProvider}, not by this provider (${provider}).`, {
      docsPath,
      name: 'DownloadWrongProviderError',
    })
    this.tradeId = tradeId
  }
}

export type DownloadExpiredReason = 'trade-deadline' | 'request-stale' | 'request-future'
export type DownloadExpiredErrorType = DownloadExpiredError & { name: 'DownloadExpiredError' }
/**
 * Check 4: the trade's download deadline has passed (or is too close to confirm the
 * download on chain), or the request was signed outside the freshness window.
 */
export class DownloadExpiredError extends BaseError {
  readonly tradeId: bigint
  readonly reason: DownloadExpiredReason
  constructor({ tradeId, reason, limit, now }: { tradeId: bigint; reason: DownloadExpiredReason; limit: number; now: number }) {
    const why = {
      'trade-deadline': `its download deadline ${limit} has passed (chain time ${now}, including the confirmation margin)`,
      'request-stale': `the request was signed at ${limit}, too long before now (${now}); sign a new one`,
      'request-future': `the request is dated ${limit}, in the future (now ${now}); check the clock`,
    }[reason]
    super(`Download refused for trade ${tradeHex(tradeId)}: ${why}.`, { docsPath, name: 'DownloadExpiredError' })
    this.tradeId = tradeId
    this.reason = reason
  }
}

export type DownloadTokenReplayedReason = 'completed' | 'in-progress' | 'grace-expired' | 'attempts-exhausted' | 'request-reused'
export type DownloadTokenReplayedErrorType = DownloadTokenReplayedError & { name: 'DownloadTokenReplayedError' }
/** Check 5: the token was already redeemed (single use), or this exact signed request was. */
export class DownloadTokenReplayedError extends BaseError {
  readonly tradeId: bigint
  readonly reason: DownloadTokenReplayedReason
  constructor({ tradeId, reason }: { tradeId: bigint; reason: DownloadTokenReplayedReason }) {
    const why = {
      completed: 'it was already used for a complete download',
      'in-progress': 'a download with it is in progress',
      'grace-expired': 'the retry period after its first use has passed',
      'attempts-exhausted': 'it has been used for the maximum number of attempts',
      'request-reused': 'this signed request was already used; sign a new one to retry',
    }[reason]
    super(`Download refused: the token of trade ${tradeHex(tradeId)} is single-use and ${why}.`, { docsPath, name: 'DownloadTokenReplayedError' })
    this.tradeId = tradeId
    this.reason = reason
  }
}

export type DownloadInterruptedErrorType = DownloadInterruptedError & { name: 'DownloadInterruptedError' }
/** The receiver stopped reading before the end of the delivery; no confirmation is sent. */
export class DownloadInterruptedError extends BaseError {
  readonly tradeId: bigint
  constructor({ tradeId, bytes, cause }: { tradeId: bigint; bytes: number; cause?: Error | undefined }) {
    super(`The download of trade ${tradeHex(tradeId)} stopped after ${bytes} bytes; it was not confirmed.`, {
      cause,
      details: cause ? undefined : 'the receiver closed the stream before its end',
      docsPath,
      name: 'DownloadInterruptedError',
    })
    this.tradeId = tradeId
  }
}
