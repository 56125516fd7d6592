/**
 * First middleware of every request: a request id (the client's `x-request-id` when it is a
 * plain token, else a new UUID) echoed in the response, a child logger carrying it, one
 * access-log line per request, and the in-flight count for graceful shutdown.
 *
 * The access log holds the method, the path without its query string, the status, the
 * duration and the signer's address — never headers, bodies, signatures or tokens.
 */
import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import { ApiUnavailableError } from '../../errors/api.ts'
import type { ApiEnv } from '../deps.ts'
import type { RequestTracker } from '../RequestTracker.ts'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * @example
 * app.use('*', requestContext(logger, tracker))
 */
export function requestContext(logger: Logger, tracker: RequestTracker): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    const log = logger.child({ reqId: requestId })
    c.set('requestId', requestId)
    c.set('log', log)
    c.header('x-request-id', requestId)
    if (tracker.draining) {
      c.header('connection', 'close')
      throw new ApiUnavailableError({ reason: 'shutting-down' })
    }
    const started = performance.now()
    tracker.enter()
    try {
      await next()
    } finally {
      tracker.leave()
      const status = c.res.status
      const fields = {
        method: c.req.method,
        path: c.req.path,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        signer: c.get('auth')?.signer,
      }
      if (status >= 500) log.warn(fields, 'request failed')
      else log.info(fields, 'request')
    }
  }
}
