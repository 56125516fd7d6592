/**
 * The API on a TCP socket (@hono/node-server), with graceful shutdown: stop accepting
 * connections, answer 503 to requests that still arrive on open keep-alive connections,
 * wait for the requests (and download streams) in flight, then close what is left.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Logger } from 'pino'
import type { ApiEnv } from './deps.ts'
import type { RequestTracker } from './RequestTracker.ts'

export interface StartApiServerParameters {
  app: OpenAPIHono<ApiEnv>
  /** The tracker the app was built with (ApiDeps.tracker). */
  tracker: RequestTracker
  host: string
  /** 0 picks a free port. */
  port: number
  logger: Logger
}

export interface ApiServer {
  /** `http://host:port` actually bound. */
  url: string
  port: number
  /**
   * Graceful shutdown: resolves when every request in flight has finished (or after
   * `timeoutMs`, cutting what remains) and the socket is closed.
   */
  close(timeoutMs?: number): Promise<void>
}

/**
 * @example
 * const tracker = new RequestTracker()
 * const app = createApi({ ...deps, tracker })
 * const server = await startApiServer({ app, tracker, host: '127.0.0.1', port: 8080, logger })
 * // …
 * await server.close()
 */
export async function startApiServer(p: StartApiServerParameters): Promise<ApiServer> {
  const server = serve({ fetch: p.app.fetch, hostname: p.host, port: p.port }) as Server
  // A slow or silent client must not hold a connection forever.
  server.requestTimeout = 0 // uploads and downloads of any size
  server.headersTimeout = 30_000
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    if (server.listening) return resolve()
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const host = p.host.includes(':') ? `[${p.host}]` : p.host
  const url = `http://${host}:${port}`
  p.logger.info({ url }, 'API listening')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    close(timeoutMs = 10_000) {
      closing ??= (async () => {
        const deadline = Date.now() + timeoutMs
        let done = false
        const closed = new Promise<void>((resolve) => server.close(() => resolve())).then(() => (done = true))
        const left = await p.tracker.drain(timeoutMs)
        // Responses still being written finish on their own; their keep-alive connections are
        // closed as soon as they fall idle. Only at the deadline is anything cut.
        while (!done && Date.now() < deadline) {
          server.closeIdleConnections()
          await Promise.race([closed, new Promise((r) => setTimeout(r, 20))])
        }
        if (!done) {
          p.logger.warn({ left }, 'shutdown: cutting connections still open at the deadline')
          server.closeAllConnections()
        }
        await closed
        p.logger.info({ url }, 'API stopped')
      })()
      return closing
    },
  }
}
