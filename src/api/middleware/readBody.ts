/**
 * Reads a request body into memory with a size limit (JSON bodies; uploads are streamed and
 * never come here). The declared Content-Length is checked first, then the bytes as they
 * arrive, so a lying or chunked client cannot push more than the limit.
 */
import type { MiddlewareHandler } from 'hono'
import { ApiPayloadTooLargeError, ApiValidationError } from '../../errors/api.ts'

/**
 * @example
 * const bytes = await readBody(c.req.raw, 64 * 1024)
 * @throws {ApiPayloadTooLargeError}
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length')
  if (declared !== null) {
    if (!/^[0-9]{1,15}$/.test(declared)) throw new ApiValidationError({ field: 'header content-length', reason: 'must be a non-negative integer' })
    if (Number(declared) > limit) throw new ApiPayloadTooLargeError({ limit })
  }
  if (req.body === null) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = req.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limit) throw new ApiPayloadTooLargeError({ limit })
      chunks.push(value)
    }
  } finally {
    reader.releaseLock()
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * Middleware for routes whose JSON body is not read by the signature check: reads it with
 * the limit and leaves it in Hono's body cache for the validator.
 *
 * @example
 * createRoute({ ..., middleware: [boundedBody(64 * 1024)] })
 */
export function boundedBody(limit: number): MiddlewareHandler {
  return async (c, next) => {
    const bytes = await readBody(c.req.raw, limit)
    ;(c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
    await next()
  }
}
