/**
 * Serves an EIP-1193 provider (the embedded chain's, so the SAME chain) over HTTP JSON-RPC.
 *
 * POST bodies only, single or batch; bodies over `maxBodyBytes` get HTTP 413 with a JSON-RPC
 * error; malformed input gets a JSON-RPC error, never a crash. Binds to 127.0.0.1 by default:
 * the node is not meant to be reachable from other machines without a proxy in front.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleJsonRpcBody, JsonRpcErrorCode, type JsonRpcLimits, type JsonRpcTarget } from './jsonRpc.ts'

/** Parameters of {@link startJsonRpcServer}. */
export type JsonRpcServerParameters = {
  provider: JsonRpcTarget
  /** Default 127.0.0.1. */
  host?: string | undefined
  /** Default 8545; 0 picks a free port. */
  port?: number | undefined
  /** Largest accepted body, default 5 MiB. */
  maxBodyBytes?: number | undefined
  /** Most requests in one batch, default 1000. */
  maxBatchSize?: number | undefined
  /** Receives errors without a JSON-RPC code (answered as "Internal error"; log them). */
  onInternalError?: ((err: unknown, method: string) => void) | undefined
}

/** A running server. */
export type JsonRpcServer = {
  /** `http://host:port` */
  url: string
  host: string
  port: number
  /** Stops accepting connections and waits for open ones to finish. */
  close(): Promise<void>
}

/**
 * Starts the HTTP JSON-RPC server.
 *
 * @example
 * const server = await startJsonRpcServer({ provider: chain.provider })
 * const client = createPublicClient({ transport: http(server.url) })
 */
export async function startJsonRpcServer({
  provider,
  host = '127.0.0.1',
  port = 8545,
  maxBodyBytes = 5 * 1024 * 1024,
  maxBatchSize = 1000,
  onInternalError,
}: JsonRpcServerParameters): Promise<JsonRpcServer> {
  const server = createServer((req, res) => {
    void serve(req, res, provider, { maxBodyBytes, maxBatchSize, onInternalError }).catch(() => {
      if (!res.headersSent) reply(res, 500, errorBody(JsonRpcErrorCode.internalError, 'Internal error'))
      else res.destroy()
    })
  })
  server.headersTimeout = 20_000
  server.requestTimeout = 120_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () => closeServer(server),
  }
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  provider: JsonRpcTarget,
  limits: JsonRpcLimits & { maxBodyBytes: number },
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    req.resume()
    return reply(res, 405, errorBody(JsonRpcErrorCode.invalidRequest, 'Only POST is supported'))
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    req.resume()
    return tooLarge(res, limits.maxBodyBytes)
  }

  const body = await readBody(req, limits.maxBodyBytes)
  if (body === undefined) return tooLarge(res, limits.maxBodyBytes)
  const text = await handleJsonRpcBody(provider, body, limits)
  if (text === undefined) {
    res.writeHead(204).end()
    return
  }
  reply(res, 200, text)
}

/** The body as text, or `undefined` as soon as it exceeds `limit` (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return
      size += chunk.length
      if (size <= limit) chunks.push(chunk)
      else {
        chunks.length = 0
        resolve(undefined) // answer now; the rest is read and dropped
      }
    })
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks).toString('utf8') : undefined))
    req.on('error', reject)
  })
}

function tooLarge(res: ServerResponse, limit: number): void {
  reply(res, 413, errorBody(JsonRpcErrorCode.limitExceeded, `Request body exceeds ${limit} bytes`), true)
}

function reply(res: ServerResponse, status: number, body: string, close = false): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  })
  res.end(body)
}

function errorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
    server.closeIdleConnections()
  })
}
