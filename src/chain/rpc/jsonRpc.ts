/**
 * JSON-RPC 2.0 message handling, independent of HTTP: validation, dispatch to an EIP-1193
 * provider, error objects. {@link handleJsonRpcBody} never throws, whatever the input.
 */
import { BaseError } from '../../errors/base.ts'

/** Standard JSON-RPC 2.0 error codes used here. */
export const JsonRpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** EIP-1474 "limit exceeded". */
  limitExceeded: -32005,
} as const

/** A JSON-RPC id. */
export type JsonRpcId = string | number | null
/** A JSON-RPC error object. */
export type JsonRpcErrorObject = { code: number; message: string; data?: unknown }
/** A JSON-RPC response. */
export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcErrorObject }

/** The provider a JSON-RPC endpoint forwards to. */
export type JsonRpcTarget = { request(args: { method: string; params?: unknown }): Promise<unknown> }

/** Limits and hooks applied to one HTTP body. */
export type JsonRpcLimits = {
  maxBatchSize: number
  /** Called with errors that carry no JSON-RPC code (answered as a bare "Internal error"). */
  onInternalError?: ((err: unknown, method: string) => void) | undefined
}

/**
 * Handles one request body (single or batch). Returns the response JSON text, or `undefined`
 * when nothing must be sent back (only notifications).
 *
 * @example
 * const text = await handleJsonRpcBody(provider, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { maxBatchSize: 100 })
 */
export async function handleJsonRpcBody(target: JsonRpcTarget, body: string, limits: JsonRpcLimits): Promise<string | undefined> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return JSON.stringify(errorResponse(null, { code: JsonRpcErrorCode.parseError, message: 'Parse error: the body is not valid JSON' }))
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) {
      return JSON.stringify(errorResponse(null, { code: JsonRpcErrorCode.invalidRequest, message: 'Invalid request: empty batch' }))
    }
    if (parsed.length > limits.maxBatchSize) {
      return JSON.stringify(
        errorResponse(null, { code: JsonRpcErrorCode.limitExceeded, message: `Batch of ${parsed.length} requests exceeds the limit of ${limits.maxBatchSize}` }),
      )
    }
    // Calls start in array order (writes are queued in that order), and run concurrently.
    const responses = await Promise.all(parsed.map((item) => handleOne(target, item, limits)))
    const sent = responses.filter((r): r is JsonRpcResponse => r !== undefined)
    return sent.length > 0 ? JSON.stringify(sent) : undefined
  }
  const response = await handleOne(target, parsed, limits)
  return response ? JSON.stringify(response) : undefined
}

/**
 * Converts anything thrown by a provider into a JSON-RPC error object: a numeric `code` is kept
 * (with `data`, e.g. revert data); anything else becomes a generic internal error.
 *
 * @example
 * toJsonRpcError(new ForbiddenRpcMethodError({ method: 'evm_revert', reason: 'state-breaking' }))
 * // { code: -32004, message: 'Method evm_revert is not allowed on the embedded chain: ...' }
 */
export function toJsonRpcError(err: unknown): JsonRpcErrorObject {
  if (err && typeof err === 'object' && 'code' in err && Number.isInteger(err.code)) {
    const message = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)
    const data = 'data' in err && err.data !== undefined && err.data !== null ? err.data : undefined
    return { code: err.code as number, message, ...(data !== undefined ? { data } : {}) }
  }
  return { code: JsonRpcErrorCode.internalError, message: 'Internal error' }
}

async function handleOne(target: JsonRpcTarget, item: unknown, limits: JsonRpcLimits): Promise<JsonRpcResponse | undefined> {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    return errorResponse(null, { code: JsonRpcErrorCode.invalidRequest, message: 'Invalid request: expected an object' })
  }
  const request = item as Record<string, unknown>
  const hasId = 'id' in request
  const id = request.id
  if (hasId && !(id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
    return errorResponse(null, { code: JsonRpcErrorCode.invalidRequest, message: 'Invalid request: id must be a string, number or null' })
  }
  const replyId = (id ?? null) as JsonRpcId
  if (request.jsonrpc !== '2.0') {
    return errorResponse(replyId, { code: JsonRpcErrorCode.invalidRequest, message: 'Invalid request: jsonrpc must be "2.0"' })
  }
  if (typeof request.method !== 'string' || request.method.length === 0) {
    return errorResponse(replyId, { code: JsonRpcErrorCode.invalidRequest, message: 'Invalid request: method must be a non-empty string' })
  }
  const params = request.params
  if (params !== undefined && (params === null || typeof params !== 'object')) {
    return errorResponse(replyId, { code: JsonRpcErrorCode.invalidParams, message: 'Invalid params: params must be an array or an object' })
  }
  let response: JsonRpcResponse
  try {
    const result = await target.request({ method: request.method, ...(params !== undefined ? { params } : {}) })
    response = { jsonrpc: '2.0', id: replyId, result: result ?? null }
  } catch (err) {
    const error = toJsonRpcError(err)
    if (error.code === JsonRpcErrorCode.internalError && error.message === 'Internal error') limits.onInternalError?.(err, request.method)
    response = errorResponse(replyId, error)
  }
  return hasId ? response : undefined
}

function errorResponse(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error }
}
