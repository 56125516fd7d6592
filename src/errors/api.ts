/**
 * Errors raised by the HTTP API layer itself (src/api): authentication, authorisation,
 * request validation and availability. Domain errors (contract refusals, query parameters,
 * storage refusals) keep their own classes; src/api/errors/httpError.ts maps every class to
 * one HTTP status in one place.
 *
 * No error here carries a signature, a download token or a private key: only header names,
 * addresses, roles and reasons.
 */
import { BaseError } from './base.ts'

const docsPath = 'src/api/README.md'

/** Why a signed request was refused (401). */
export type ApiAuthenticationReason =
  /** An authentication header is absent. */
  | 'missing'
  /** A header is present but not of the expected form. */
  | 'malformed'
  /** The timestamp is outside the freshness window. */
  | 'stale'
  /** The signature does not recover to the address the request names. */
  | 'bad-signature'
  /** This (address, nonce) was already used within the window. */
  | 'replayed'

export type ApiAuthenticationErrorType = ApiAuthenticationError & { name: 'ApiAuthenticationError' }
/**
 * A request that must be signed is not, or its signature cannot be accepted.
 *
 * @example
 * throw new ApiAuthenticationError({ reason: 'missing', field: 'x-bourse-signature' })
 */
export class ApiAuthenticationError extends BaseError {
  readonly reason: ApiAuthenticationReason
  /** The header at fault. */
  readonly field: string | undefined
  constructor({ reason, field, details }: { reason: ApiAuthenticationReason; field?: string | undefined; details?: string | undefined }) {
    const why = {
      missing: `the request must be signed: header ${field} is missing`,
      malformed: `header ${field} is malformed${details ? ` (${details})` : ''}`,
      stale: `the signed timestamp is outside the freshness window${details ? ` (${details})` : ''}; sign the request again`,
      'bad-signature': 'the signature was not made by the address the request names over this method, path, body, timestamp and nonce',
      replayed: 'this nonce was already used; sign every request with a fresh nonce',
    }[reason]
    super(`Authentication failed: ${why}.`, { docsPath, name: 'ApiAuthenticationError' })
    this.reason = reason
    this.field = field
  }
}

/** Why an authenticated request may not do what it asks (403). */
export type ApiForbiddenReason =
  /** The signing key is not a key of an organisation this node acts for. */
  | 'not-local-key'
  /** The key is local but not the role the route needs. */
  | 'wrong-role'
  /** The key is the right role locally but not active for it on chain. */
  | 'role-inactive'
  /** The key is not the party the resource belongs to (another member's data, another's challenge). */
  | 'not-owner'

export type ApiForbiddenErrorType = ApiForbiddenError & { name: 'ApiForbiddenError' }
/**
 * The signer is authenticated but not allowed to do this.
 *
 * @example
 * throw new ApiForbiddenError({ reason: 'wrong-role', signer, role: 'Buyer' })
 */
export class ApiForbiddenError extends BaseError {
  readonly reason: ApiForbiddenReason
  readonly signer: string
  readonly role: string | undefined
  constructor({ reason, signer, role, details }: { reason: ApiForbiddenReason; signer: string; role?: string | undefined; details?: string | undefined }) {
    const why = {
      'not-local-key': `${signer} is not a key of an organisation this node acts for`,
      'wrong-role': `${signer} is not a ${role} key; this action needs the ${role} key`,
      'role-inactive': `${signer} is not an active ${role} key on chain (organisation not admitted, suspended, or key unbound)`,
      'not-owner': `${signer} may not access this resource`,
    }[reason]
    super(`Forbidden: ${why}.`, { docsPath, name: 'ApiForbiddenError', details })
    this.reason = reason
    this.signer = signer
    this.role = role
  }
}

export type ApiValidationErrorType = ApiValidationError & { name: 'ApiValidationError' }
/**
 * A request parameter, header or body field is invalid (400); names the field and the reason.
 *
 * @example
 * throw new ApiValidationError({ field: 'body.maxPrice', reason: 'must be a decimal integer string' })
 */
export class ApiValidationError extends BaseError {
  readonly field: string
  readonly reason: string
  constructor({ field, reason }: { field: string; reason: string }) {
    super(`Invalid request: ${field} ${reason}.`, { docsPath, name: 'ApiValidationError' })
    this.field = field
    this.reason = reason
  }
}

export type ApiNotFoundErrorType = ApiNotFoundError & { name: 'ApiNotFoundError' }
/**
 * The addressed resource does not exist (404).
 *
 * @example
 * throw new ApiNotFoundError({ resource: 'challenge', id: '0x…' })
 */
export class ApiNotFoundError extends BaseError {
  readonly resource: string
  constructor({ resource, id }: { resource: string; id?: string | undefined }) {
    super(id === undefined ? `No such ${resource}.` : `No ${resource} ${id}.`, { docsPath, name: 'ApiNotFoundError' })
    this.resource = resource
  }
}

export type ApiConflictErrorType = ApiConflictError & { name: 'ApiConflictError' }
/**
 * The request is well-formed but conflicts with the resource's state (409).
 *
 * @example
 * throw new ApiConflictError({ message: 'The challenge was already verified.' })
 */
export class ApiConflictError extends BaseError {
  constructor({ message }: { message: string }) {
    super(message, { docsPath, name: 'ApiConflictError' })
  }
}

export type ApiPayloadTooLargeErrorType = ApiPayloadTooLargeError & { name: 'ApiPayloadTooLargeError' }
/** The request body exceeds the route's limit (413). */
export class ApiPayloadTooLargeError extends BaseError {
  readonly limit: number
  constructor({ limit }: { limit: number }) {
    super(`The request body exceeds ${limit} bytes.`, { docsPath, name: 'ApiPayloadTooLargeError' })
    this.limit = limit
  }
}

export type ApiTooManyRequestsErrorType = ApiTooManyRequestsError & { name: 'ApiTooManyRequestsError' }
/** A bounded resource of the API (the nonce cache, the challenge store) is full (429). */
export class ApiTooManyRequestsError extends BaseError {
  constructor({ what }: { what: string }) {
    super(`Too many requests: the ${what} is full; retry in a minute.`, { docsPath, name: 'ApiTooManyRequestsError' })
  }
}

/** A component a route needs is not configured on this node, or the node is stopping (503). */
export type ApiUnavailableReason = 'database' | 'storage' | 'supervision' | 'tee' | 'shutting-down'

export type ApiUnavailableErrorType = ApiUnavailableError & { name: 'ApiUnavailableError' }
/**
 * @example
 * throw new ApiUnavailableError({ reason: 'database' })
 */
export class ApiUnavailableError extends BaseError {
  readonly reason: ApiUnavailableReason
  constructor({ reason }: { reason: ApiUnavailableReason }) {
    const why = {
      database: 'this node runs without the off-chain database, which this route reads',
      storage: 'this node runs no storage provider',
      supervision: 'this node runs no supervision service (it holds no platform key, or the contracts predate supervision)',
      tee: 'this node runs no enclave runtime (tee.enabled is false, or no local organisation has an active Compute key)',
      'shutting-down': 'the node is shutting down',
    }[reason]
    super(`Unavailable: ${why}.`, { docsPath, name: 'ApiUnavailableError' })
    this.reason = reason
  }
}

export type ApiConfigErrorType = ApiConfigError & { name: 'ApiConfigError' }
/**
 * An API setting from the configuration file, the environment or a flag is invalid.
 *
 * @example
 * throw new ApiConfigError({ source: 'env BOURSE_API_PORT', reason: 'must be an integer from 0 to 65535' })
 */
export class ApiConfigError extends BaseError {
  constructor({ source, reason }: { source: string; reason: string }) {
    super(`Invalid API setting (${source}): ${reason}.`, { docsPath: 'README.md#configuration', name: 'ApiConfigError' })
  }
}

export type ApiResponseErrorType = ApiResponseError & { name: 'ApiResponseError' }
/**
 * Client side: a node answered a request with an error (src/api/client.ts). Carries the
 * status and the error body's code, field and reason; never the request's signature.
 *
 * @example
 * throw new ApiResponseError({ status: 409, method: 'POST', path: '/v1/orders', error: { code: 'MarketplacePriceAboveMax', message: '…' } })
 */
export class ApiResponseError extends BaseError {
  readonly status: number
  readonly code: string
  readonly field: string | undefined
  readonly reason: string | undefined
  readonly args: Record<string, unknown> | undefined
  constructor({ status, method, path, error }: { status: number; method: string; path: string; error: { code: string; message: string; field?: string; reason?: string; args?: Record<string, unknown> } }) {
    super(error.message, { docsPath, name: 'ApiResponseError', metaMessages: [`${method} ${path.split('?')[0]} answered ${status} ${error.code}${error.field ? ` (${error.field})` : ''}`] })
    this.status = status
    this.code = error.code
    this.field = error.field
    this.reason = error.reason
    this.args = error.args
  }
}

export type ApiUnreachableErrorType = ApiUnreachableError & { name: 'ApiUnreachableError' }
/**
 * Client side: no answer from a node's HTTP API (nothing listens there, or the connection
 * broke) — the request may or may not have arrived.
 *
 * @example
 * throw new ApiUnreachableError({ url: 'http://127.0.0.1:8080', cause })
 */
export class ApiUnreachableError extends BaseError {
  constructor({ url, cause }: { url: string; cause?: Error | undefined }) {
    const why = (cause?.cause as Error | undefined)?.message ?? cause?.message
    super(`The node's HTTP API at ${url} did not answer.`, {
      docsPath,
      name: 'ApiUnreachableError',
      cause,
      details: `${why ? `${why}. ` : ''}Is the node running (\`bourse status\`)? Without its API, give --rpc to use the chain's JSON-RPC.`,
    })
  }
}
