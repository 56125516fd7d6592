/**
 * Moving files to and from a node's HTTP API from the terminal: SHA-256 in a streaming pass,
 * the streamed upload (node:http, backpressure), byte progress bars (cli-progress, stderr,
 * terminals only), the node's error answers as errors the CLI prints, Ctrl-C as an abort.
 * Used by src/cli/commands/data.ts.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import cliProgress from 'cli-progress'
import type { Hex, LocalAccount } from 'viem'
import { signApiRequest } from '../api/auth/signApiRequest.ts'
import { ApiResponseError } from '../errors/api.ts'
import { BaseError } from '../errors/base.ts'
import { UsageError } from '../errors/node.ts'
import type { CliApi } from './context.ts'

/** Bytes per read of the file being uploaded (one in flight, one queued). */
const READ_CHUNK = 1 << 20

/** `8.0 MiB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`
}

/** A byte-counting progress bar on stderr (drawn only on a terminal): size, speed and ETA. */
export interface ByteProgress {
  update(bytes: number): void
  stop(): void
}

/**
 * @example
 * const bar = byteProgress('hashing', size); bar.update(done); bar.stop()
 */
export function byteProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ByteProgress {
  if (!stream.isTTY) return { update() {}, stop() {} }
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(11)} [{bar}] {percentage}% | {done} / {size} | {speed}/s | ETA {eta_formatted}`, hideCursor: true, stream, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  )
  const started = performance.now()
  bar.start(Math.max(total, 1), 0, { done: formatBytes(0), size: formatBytes(total), speed: formatBytes(0) })
  let stopped = false
  return {
    update(bytes) {
      const seconds = (performance.now() - started) / 1000
      bar.update(Math.min(bytes, Math.max(total, 1)), { done: formatBytes(bytes), speed: formatBytes(seconds > 0 ? Math.round(bytes / seconds) : 0) })
    },
    stop() {
      if (stopped) return
      stopped = true
      bar.stop()
    },
  }
}

/**
 * SHA-256 of a file in one streaming pass, as the listing's content hash (0x hex).
 *
 * @example
 * const contentHash = await sha256File('orders.csv', (done) => bar.update(done))
 */
export async function sha256File(path: string, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<Hex> {
  const hash = createHash('sha256')
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK)
    let done = 0
    for (;;) {
      signal?.throwIfAborted()
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, done)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      done += bytesRead
      onProgress?.(done)
    }
  } finally {
    await handle.close()
  }
  return `0x${hash.digest('hex')}`
}

/** The answer of POST /v1/uploads. */
export interface Uploaded {
  contentHash: Hex
  size: number
  created: boolean
  storageProvider: Hex
}

export interface UploadFileParameters {
  api: Pick<CliApi, 'url' | 'chainId'>
  /** The Seller key: signs the request over `contentHash`. */
  account: LocalAccount
  path: string
  /** SHA-256 of the file (the storage provider refuses the upload unless the bytes match). */
  contentHash: Hex
  onProgress?: ((bytes: number) => void) | undefined
  signal?: AbortSignal | undefined
}

/**
 * Streams a file to POST /v1/uploads over node:http with backpressure (the file is read as the
 * socket drains), so memory stays at a few chunks at any size. Throws {@link ApiResponseError}
 * when the node refuses; stops sending as soon as it does.
 *
 * (Not fetch: Node 20's fetch keeps every chunk of a streamed request body until the request
 * ends — 1 GiB of RSS for a 1 GiB upload.)
 *
 * @example
 * const { contentHash } = await uploadFile({ api: ctx.api(), account: seller, path, contentHash: await sha256File(path) })
 */
export async function uploadFile(p: UploadFileParameters): Promise<Uploaded> {
  const path = '/v1/uploads'
  const url = new URL(p.api.url.replace(/\/+$/, '') + path)
  const { size } = await stat(p.path)
  // Signed just before sending: the node accepts a signature for ±60 s only.
  const headers = await signApiRequest(p.account, { chainId: p.api.chainId, method: 'POST', path, bodySha256: p.contentHash })
  // Exactly the hashed length: a file changed since is refused by the node (hash mismatch).
  const source = size > 0 ? createReadStream(p.path, { highWaterMark: READ_CHUNK, start: 0, end: size - 1 }) : Readable.from([])
  let sent = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length
      p.onProgress?.(sent)
      done(null, chunk)
    },
  })
  const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    signal: p.signal,
  })
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (res) => {
      if (res.statusCode === undefined || res.statusCode >= 300) source.destroy() // refused: stop sending
      resolve(res)
    })
    req.once('error', reject)
  })
  const sending = pipeline(source, counter, req).then(
    () => undefined,
    (err: Error) => err,
  )
  const res = await answered
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const status = res.statusCode ?? 0
  if (status < 200 || status >= 300) throw responseErrorOf(status, text, 'POST', path)
  const failed = await sending
  if (failed) throw failed
  return JSON.parse(text) as Uploaded
}

/** A node's error answer as an {@link ApiResponseError} (as the API client throws it). */
function responseErrorOf(status: number, text: string, method: string, path: string): ApiResponseError {
  let json: { error?: { code?: unknown } } | undefined
  try {
    json = JSON.parse(text) as typeof json
  } catch {}
  const error = json?.error && typeof json.error.code === 'string' ? (json.error as ConstructorParameters<typeof ApiResponseError>[0]['error']) : { code: `HTTP_${status}`, message: `The node answered ${status}.` }
  return new ApiResponseError({ status, method, path, error })
}

/** A fetch {@link Response} that is not 2xx as an {@link ApiResponseError}. */
export async function responseError(res: Response, method: string, path: string): Promise<ApiResponseError> {
  return responseErrorOf(res.status, await res.text().catch(() => ''), method, path)
}

/**
 * The node's refusal as the CLI prints it: its message, and what answered (status, code,
 * reason, field) as the details line. Other errors pass unchanged.
 */
export function explained(err: unknown): unknown {
  if (!(err instanceof ApiResponseError)) return err
  const what = [err.reason && `reason ${err.reason}`, err.field && `field ${err.field}`, err.args && `args ${JSON.stringify(err.args)}`].filter(Boolean).join(', ')
  return new BaseError(err.shortMessage, { name: err.name, cause: err, details: `the node answered ${err.status} ${err.code}${what ? ` (${what})` : ''}` })
}

/** Aborts on the first Ctrl-C (the partial output is removed by whoever owns it), then lets go. */
export function abortOnInterrupt(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController()
  const onSigint = () => controller.abort(new UsageError('Interrupted.'))
  process.once('SIGINT', onSigint)
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) }
}
