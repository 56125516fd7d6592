/**
 * The one place where errors become HTTP responses: every error class the API can meet maps
 * to a status and a JSON body `{ error: { code, message, field?, reason?, args? } }`.
 *
 * - API errors (src/errors/api.ts) carry their own code.
 * - A contract refusal answers with the Solidity custom error's name as `code` and its
 *   arguments as `args` (403 for "not allowed", 404 for "no such", otherwise 409).
 * - Domain errors of the database and the storage provider map by class.
 * - Anything else is a generic 500 whose cause only the log sees.
 *
 * Messages are the errors' one-line `shortMessage`s, which never hold secrets (STYLE.md).
 */
import { HTTPException } from 'hono/http-exception'
import { BaseError as ViemBaseError, HttpRequestError, TimeoutError } from 'viem'
import {
  ApiAuthenticationError,
  ApiConflictError,
  ApiForbiddenError,
  ApiNotFoundError,
  ApiPayloadTooLargeError,
  ApiTooManyRequestsError,
  ApiUnavailableError,
  ApiValidationError,
} from '../../errors/api.ts'
import { BaseError } from '../../errors/base.ts'
import { ContractRevertError, TransactionRevertedError } from '../../errors/contract.ts'
import { EnclaveExitedError, EnclaveInputNotFoundError, EnclaveRequestError, KeyReleaseRefusedError } from '../../errors/tee.ts'
import { QueryParameterError } from '../../errors/db.ts'
import { InvalidOwnershipProofError } from '../../errors/identity.ts'
import { TradeNotFoundError } from '../../errors/sdk.ts'
import {
  BlobNotFoundError,
  ContentHashMismatchError,
  DownloadExpiredError,
  DownloadTokenMismatchError,
  DownloadTokenReplayedError,
  DownloadTradeNotFoundError,
  DownloadTradeStateError,
  DownloadWrongBuyerError,
  DownloadWrongProviderError,
  InvalidBlobIdError,
  InvalidDownloadRequestError,
  InvalidDownloadSignatureError,
  UploadInterruptedError,
  UploadTooLargeError,
} from '../../errors/storage.ts'

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    /** Stable machine-readable code (UPPER_SNAKE for API conditions, the contract's error name for refusals). */
    code: string
    message: string
    /** The request field at fault (`body.maxPrice`, `query.limit`, `header x-bourse-nonce`). */
    field?: string
    /** Sub-reason of the code, where the condition has several. */
    reason?: string
    /** A contract refusal's arguments (integers as decimal strings). */
    args?: Record<string, unknown>
  }
}

export interface HttpError {
  status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503
  body: ErrorBody
  /** True for errors the node did not expect (generic 500, chain unreachable): log the cause at error level. */
  unexpected: boolean
}

/** Contract errors that mean "you may not" (403) or "no such thing" (404); every other refusal is 409. */
const contractForbidden = new Set([
  'MarketplaceNotActiveMember',
  'MarketplaceNotSeller',
  'MarketplaceUnauthorized',
  'MarketplaceSelfTrade',
  'AllianceNotSupervisor',
  'AllianceSelfAdmission',
  'AllianceUnauthorized',
  'AllianceRoleNotGranted',
  'AccessControlUnauthorizedAccount',
  'OwnableUnauthorizedAccount',
])
const contractNotFound = new Set(['MarketplaceListingNotFound', 'MarketplaceTradeMismatch', 'AllianceNotApplied'])
// EnclaveRegistry refusals that mean "you may not": not governance, supervisor or Compute key.
for (const name of ['EnclaveRegistryNotGovernance', 'EnclaveRegistryNotSupervisor', 'EnclaveRegistryNotGovernanceOrSupervisor', 'EnclaveRegistryNotCompute']) contractForbidden.add(name)

const body = (code: string, message: string, extra: Omit<ErrorBody['error'], 'code' | 'message'> = {}): ErrorBody => ({ error: { code, message, ...extra } })
const known = (status: HttpError['status'], b: ErrorBody): HttpError => ({ status, body: b, unexpected: false })

/** bigints (and anything else) to JSON-safe values. */
function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>
}

/**
 * Maps any thrown value to its HTTP response.
 *
 * @example
 * const { status, body } = toHttpError(new ApiValidationError({ field: 'body.amount', reason: 'is required' }))
 * // 400, { error: { code: 'INVALID_REQUEST', message: 'Invalid request: body.amount is required.', field: 'body.amount' } }
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof ApiValidationError) return known(400, body('INVALID_REQUEST', err.shortMessage, { field: err.field }))
  if (err instanceof ApiAuthenticationError) return known(401, body('UNAUTHENTICATED', err.shortMessage, { reason: err.reason, ...(err.field && { field: `header ${err.field}` }) }))
  if (err instanceof ApiForbiddenError) return known(403, body('FORBIDDEN', err.shortMessage, { reason: err.reason }))
  if (err instanceof ApiNotFoundError) return known(404, body('NOT_FOUND', err.shortMessage))
  if (err instanceof ApiConflictError) return known(409, body('CONFLICT', err.shortMessage))
  if (err instanceof ApiPayloadTooLargeError) return known(413, body('PAYLOAD_TOO_LARGE', err.shortMessage, { field: 'body' }))
  if (err instanceof ApiTooManyRequestsError) return known(429, body('TOO_MANY_REQUESTS', err.shortMessage))
  if (err instanceof ApiUnavailableError) return known(503, body('UNAVAILABLE', err.shortMessage, { reason: err.reason }))

  if (err instanceof ContractRevertError) {
    const status = contractForbidden.has(err.errorName) ? 403 : contractNotFound.has(err.errorName) ? 404 : 409
    return known(status, body(err.errorName, err.shortMessage, { args: jsonArgs(err.errorArgs) }))
  }
  if (err instanceof TransactionRevertedError) return known(409, body('TRANSACTION_REVERTED', err.shortMessage))
  if (err instanceof TradeNotFoundError) return known(404, body('NOT_FOUND', err.shortMessage))
  if (err instanceof QueryParameterError) return known(400, body('INVALID_REQUEST', err.shortMessage, { field: `query.${err.field}`, reason: err.reason }))
  if (err instanceof InvalidOwnershipProofError) return known(400, body('INVALID_REQUEST', err.shortMessage))

  const storage = storageError(err)
  if (storage) return storage

  if (err instanceof KeyReleaseRefusedError) return known(403, body('KEY_RELEASE_REFUSED', err.shortMessage, { reason: err.failure }))
  if (err instanceof EnclaveRequestError) return known(422, body('ENCLAVE_REFUSED', err.shortMessage, { reason: err.enclaveErrorName }))
  if (err instanceof EnclaveInputNotFoundError) return known(404, body('NOT_FOUND', err.shortMessage))
  if (err instanceof EnclaveExitedError) return known(503, body('UNAVAILABLE', err.shortMessage, { reason: 'enclave' }))

  if (err instanceof HTTPException) {
    if (err.status === 400) return known(400, body('INVALID_REQUEST', err.message || 'Bad request.', { field: 'body' }))
    if (err.status === 413) return known(413, body('PAYLOAD_TOO_LARGE', err.message || 'Payload too large.', { field: 'body' }))
    if (err.status === 415) return known(415, body('UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type: send the body as application/json.', { field: 'header content-type' }))
    if (err.status === 401) return known(401, body('UNAUTHENTICATED', err.message || 'Unauthenticated.'))
    if (err.status === 403) return known(403, body('FORBIDDEN', err.message || 'Forbidden.'))
    if (err.status === 404) return known(404, body('NOT_FOUND', err.message || 'Not found.'))
  }
  if (err instanceof ViemBaseError && err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)) {
    // The chain's JSON-RPC endpoint did not answer: the node is degraded, the request may be retried.
    return { status: 503, body: body('UNAVAILABLE', 'Unavailable: the chain node did not answer; retry shortly.', { reason: 'chain' }), unexpected: true }
  }
  return { status: 500, body: body('INTERNAL', 'Internal error; the node logged its cause.'), unexpected: true }
}

function storageError(err: unknown): HttpError | undefined {
  if (!(err instanceof BaseError)) return undefined
  const code = err.name.replace(/Error$/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()
  const reason = 'reason' in err && typeof err.reason === 'string' ? { reason: err.reason } : {}
  if (err instanceof InvalidDownloadRequestError) return known(400, body('INVALID_REQUEST', err.shortMessage, { field: `body.${err.field}`, reason: err.reason }))
  if (err instanceof InvalidBlobIdError) return known(400, body('INVALID_REQUEST', err.shortMessage))
  if (err instanceof InvalidDownloadSignatureError) return known(401, body(code, err.shortMessage, reason))
  if (err instanceof DownloadWrongBuyerError || err instanceof DownloadTokenMismatchError) return known(403, body(code, err.shortMessage))
  if (err instanceof DownloadTradeNotFoundError || err instanceof BlobNotFoundError) return known(404, body(code, err.shortMessage))
  if (err instanceof DownloadTradeStateError || err instanceof DownloadWrongProviderError || err instanceof DownloadTokenReplayedError) {
    return known(409, body(code, err.shortMessage, reason))
  }
  if (err instanceof DownloadExpiredError) return known(410, body(code, err.shortMessage, reason))
  if (err instanceof UploadTooLargeError) return known(413, body(code, err.shortMessage, { field: 'body' }))
  if (err instanceof ContentHashMismatchError) return known(422, body(code, err.shortMessage, { field: 'header x-bourse-body-sha256' }))
  if (err instanceof UploadInterruptedError) return known(400, body(code, err.shortMessage, { field: 'body' }))
  return undefined
}
