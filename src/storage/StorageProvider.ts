/**
 * The storage provider (the seed's DSP), trade step 4 "Deliver": takes uploads into the
 * encrypted blob store, serves an asset only to a signed request that carries the trade's
 * download token, and confirms the download on chain.
 *
 * No HTTP here: an API route is a thin wrapper (body stream in -> {@link StorageProvider.upload};
 * JSON in -> `parseDownloadRequest` -> {@link StorageProvider.download} -> body stream out;
 * typed errors out). See README.md for the protocol and the checks.
 */
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { hexToBytes, keccak256, type Address, type Hex } from 'viem'
import { TradeNotFoundError } from '../errors/sdk.ts'
import {
  BlobTamperedError,
  DownloadExpiredError,
  type BlobNotFoundErrorType,
  type BlobTamperedErrorType,
  type DownloadExpiredErrorType,
  type DownloadTokenMismatchErrorType,
  type DownloadTokenReplayedErrorType,
  type DownloadTradeNotFoundErrorType,
  type DownloadTradeStateErrorType,
  type DownloadWrongBuyerErrorType,
  type DownloadWrongProviderErrorType,
  type InvalidDownloadSignatureErrorType,
  DownloadInterruptedError,
  DownloadTokenMismatchError,
  DownloadTokenReplayedError,
  DownloadTradeNotFoundError,
  DownloadTradeStateError,
  DownloadWrongBuyerError,
  DownloadWrongProviderError,
  InvalidDownloadSignatureError,
  InvalidStorageOptionError,
} from '../errors/storage.ts'
import type { Actor, BourseClient } from '../sdk/BourseClient.ts'
import { tradeStates, type Trade } from '../sdk/trade.ts'
import type { BlobDelivery, BlobStore, PutBlobOptions, PutBlobResult } from './BlobStore.ts'
import { blobDirOf, createBlobStore } from './createBlobStore.ts'
import { DownloadConfirmer, type DownloadConfirmation, type DownloadConfirmerOptions } from './DownloadConfirmer.ts'
import { recoverDownloadRequestSigner, type SignedDownloadRequest } from './downloadRequest.ts'
import { RedemptionLog, type Redemption } from './RedemptionLog.ts'

const ACCEPTED = 2

/** Minimal structured logger (pino-compatible). */
export interface StorageLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

export interface StorageProviderOptions {
  /** How old a signed request may be (seconds, default 300). */
  requestWindowSeconds?: number | undefined
  /** How far in the future a request may be dated (clock skew, seconds, default 60). */
  clockSkewSeconds?: number | undefined
  /** Refuse when the trade's download deadline is closer than this (seconds, default 30): the confirmation must still land. */
  deadlineMarginSeconds?: number | undefined
  /** After its first use, a token may be retried (a new signed request) for this long if no attempt completed (seconds, default 900). */
  retryGraceSeconds?: number | undefined
  /** Most attempts per token (default 5). */
  maxAttempts?: number | undefined
  /** Wall clock in ms (tests). Chain time is read from the chain. */
  now?: (() => number) | undefined
  logger?: StorageLogger | undefined
}

export interface StorageProviderParameters extends StorageProviderOptions {
  store: BlobStore
  client: BourseClient
  /** The provider's Storage key: signs confirmDownload; trades must name its address. */
  actor: Actor
  redemptions: RedemptionLog
  confirmer?: DownloadConfirmer | undefined
}

export interface OpenStorageProviderParameters extends StorageProviderOptions {
  /** The node's data directory: blobs in `<dataDir>/blobs/`, the token record in `<dataDir>/storage/`. */
  dataDir: string
  /** 32-byte master key that wraps the asset keys (keyWrap.ts). */
  masterKey: Uint8Array
  client: BourseClient
  actor: Actor
  chunkSize?: number | undefined
  maxBytes?: number | undefined
  batch?: DownloadConfirmerOptions | undefined
}

/** Every refusal of {@link StorageProvider.authorize}, one class per check. */
export type AuthorizeDownloadErrorType =
  | InvalidDownloadSignatureErrorType
  | DownloadTradeNotFoundErrorType
  | DownloadWrongBuyerErrorType
  | DownloadTokenMismatchErrorType
  | DownloadWrongProviderErrorType
  | DownloadTradeStateErrorType
  | DownloadExpiredErrorType
  | DownloadTokenReplayedErrorType

/** Refusals of {@link StorageProvider.download}: the checks, then the blob's own. */
export type DownloadErrorType = AuthorizeDownloadErrorType | BlobNotFoundErrorType | BlobTamperedErrorType

/** A request that passed every check. */
export interface AuthorizedDownload {
  trade: Trade
  /** The listing's on-chain content hash: the blob to serve. */
  contentHash: Hex
  /** The buyer's public key, recovered from the signature (uncompressed). */
  buyerPublicKey: Hex
  /** keccak256(token). */
  commitment: Hex
}

/** One download being served. */
export interface DownloadSession {
  tradeId: bigint
  contentHash: Hex
  /** Exact bytes `body` carries (a Content-Length). */
  byteLength: number
  /** The delivery stream (blob format, key wrapped to the buyer). Destroy it to abort. */
  body: Readable
  /**
   * Settles after `body` closes: resolves when confirmDownload is mined; rejects with why
   * the download was not confirmed ({@link DownloadInterruptedError}, {@link BlobTamperedError},
   * or the contract's refusal). Awaiting it is optional.
   */
  completion: Promise<DownloadConfirmation>
}

export class StorageProvider {
  readonly store: BlobStore
  readonly client: BourseClient
  readonly actor: Actor
  readonly redemptions: RedemptionLog
  readonly confirmer: DownloadConfirmer
  readonly #options: Required<Omit<StorageProviderOptions, 'logger'>>
  readonly #logger: StorageLogger | undefined
  /** Commitments with an attempt streaming now, and their bodies. */
  readonly #active = new Map<Hex, Readable | undefined>()
  /** Record writes after a body closed, and the confirmations they lead to (for close()). */
  readonly #recording = new Set<Promise<unknown>>()
  readonly #confirming = new Set<Promise<unknown>>()

  /**
   * @example
   * const provider = new StorageProvider({ store, client, actor: client.as(storageKey), redemptions })
   */
  constructor(p: StorageProviderParameters) {
    this.store = p.store
    this.client = p.client
    this.actor = p.actor
    this.redemptions = p.redemptions
    this.confirmer = p.confirmer ?? new DownloadConfirmer(p.actor)
    this.#logger = p.logger
    this.#options = {
      requestWindowSeconds: positive('requestWindowSeconds', p.requestWindowSeconds ?? 300),
      clockSkewSeconds: positive('clockSkewSeconds', p.clockSkewSeconds ?? 60),
      deadlineMarginSeconds: nonNegative('deadlineMarginSeconds', p.deadlineMarginSeconds ?? 30),
      retryGraceSeconds: positive('retryGraceSeconds', p.retryGraceSeconds ?? 900),
      maxAttempts: positive('maxAttempts', p.maxAttempts ?? 5),
      now: p.now ?? Date.now,
    }
  }

  /**
   * Opens the provider on a data directory: the local blob store (removing partial uploads
   * a crash left behind) and the redeemed-token record. Call {@link resumeConfirmations}
   * once the chain is reachable to send confirmations a crash interrupted.
   *
   * @example
   * const provider = await StorageProvider.open({ dataDir, masterKey, client, actor: client.as(storageKey) })
   * await provider.resumeConfirmations()
   */
  static async open(p: OpenStorageProviderParameters): Promise<StorageProvider> {
    const store = await createBlobStore({ backend: { type: 'local', dir: blobDirOf(p.dataDir) }, masterKey: p.masterKey, chunkSize: p.chunkSize, maxBytes: p.maxBytes })
    const redemptions = await RedemptionLog.open(join(p.dataDir, 'storage', 'redemptions.jsonl'), { now: p.now })
    return new StorageProvider({ ...p, store, redemptions, confirmer: new DownloadConfirmer(p.actor, p.batch) })
  }

  /** The Storage key address trades must name. */
  get address(): Address {
    return this.actor.address
  }

  /**
   * Stores an asset (plaintext stream in, encrypted at rest); its id is the content hash to
   * list on chain.
   *
   * @example
   * const { id } = await provider.upload(request.body) // then: seller.list({ contentHash: id, ... })
   */
  upload(source: AsyncIterable<Uint8Array>, options?: PutBlobOptions): Promise<PutBlobResult> {
    return this.store.put(source, options)
  }

  /**
   * Runs every check on a signed request, in order, without side effects; each refusal is
   * its own error class:
   * 1. signature: well-formed and by `request.buyer` ({@link InvalidDownloadSignatureError}),
   *    who is the trade's buyer ({@link DownloadWrongBuyerError}; unknown trade:
   *    {@link DownloadTradeNotFoundError});
   * 2. keccak256(token) is the trade's tokenCommitment ({@link DownloadTokenMismatchError});
   * 3. this provider serves the trade ({@link DownloadWrongProviderError}), which is open
   *    and Accepted ({@link DownloadTradeStateError}, or {@link DownloadTokenReplayedError}
   *    when this provider already delivered it);
   * 4. the download deadline (chain time) and the request's freshness ({@link DownloadExpiredError});
   * 5. single use ({@link DownloadTokenReplayedError}).
   *
   * @example
   * const { trade, contentHash } = await provider.authorize(request)
   */
  async authorize(request: SignedDownloadRequest): Promise<AuthorizedDownload> {
    const { tradeId } = request
    const signer = await recoverDownloadRequestSigner({ chainId: this.client.deployment.chainId, marketplace: this.client.deployment.marketplace }, request)
    if (signer.address.toLowerCase() !== request.buyer.toLowerCase()) throw new InvalidDownloadSignatureError({ reason: 'not-signer' })
    let trade: Trade
    let open: boolean
    try {
      ;({ trade, open } = await this.client.trade(tradeId))
    } catch (err) {
      if (err instanceof TradeNotFoundError) throw new DownloadTradeNotFoundError({ tradeId, cause: err })
      throw err
    }
    if (signer.address.toLowerCase() !== trade.buyer.toLowerCase()) throw new DownloadWrongBuyerError({ tradeId, signer: signer.address, buyer: trade.buyer })

    const commitment = keccak256(request.token)
    if (commitment.toLowerCase() !== trade.tokenCommitment.toLowerCase()) throw new DownloadTokenMismatchError({ tradeId })

    if (trade.storageProvider.toLowerCase() !== this.address.toLowerCase()) {
      throw new DownloadWrongProviderError({ tradeId, tradeProvider: trade.storageProvider, provider: this.address })
    }
    if (!open || trade.state !== ACCEPTED) {
      const record = this.redemptions.get(commitment)
      if (record && (record.status === 'served' || record.status === 'confirmed')) throw new DownloadTokenReplayedError({ tradeId, reason: 'completed' })
      throw new DownloadTradeStateError({ tradeId, state: tradeStates[trade.state] ?? String(trade.state), open })
    }

    const [block, listing] = await Promise.all([this.client.publicClient.getBlock({ blockTag: 'latest' }), this.client.listing(trade.listingId)])
    const chainNow = Number(block.timestamp)
    if (chainNow + this.#options.deadlineMarginSeconds > trade.deadline) {
      throw new DownloadExpiredError({ tradeId, reason: 'trade-deadline', limit: trade.deadline, now: chainNow })
    }
    const now = Math.floor(this.#options.now() / 1000)
    if (request.issuedAt < now - this.#options.requestWindowSeconds) throw new DownloadExpiredError({ tradeId, reason: 'request-stale', limit: request.issuedAt, now })
    if (request.issuedAt > now + this.#options.clockSkewSeconds) throw new DownloadExpiredError({ tradeId, reason: 'request-future', limit: request.issuedAt, now })

    this.#checkSingleUse(tradeId, commitment, request.nonce)
    return { trade, contentHash: listing.contentHash, buyerPublicKey: signer.publicKey, commitment }
  }

  /**
   * Checks a signed request ({@link authorize}) and starts serving it: the asset's sealed
   * chunks, verified as they are read, with the asset key wrapped to the buyer's public key.
   * A blob that fails its header, length or first-chunk check is refused here
   * ({@link BlobTamperedError}) without using up an attempt. When `body` has been read to its
   * end the token is spent and the download is confirmed on chain (batched); if it stops
   * early the attempt is recorded and the buyer may retry with a new signed request within
   * the grace period.
   *
   * @example
   * const session = await provider.download(parseDownloadRequest(body))
   * reply.header('content-length', String(session.byteLength))
   * await pipeline(session.body, reply.raw)
   */
  async download(request: SignedDownloadRequest, options: { signal?: AbortSignal | undefined } = {}): Promise<DownloadSession> {
    const auth = await this.authorize(request)
    const { trade, commitment, contentHash } = auth
    // Claim synchronously: a concurrent request with the same token now sees 'in-progress'.
    this.#checkSingleUse(trade.id, commitment, request.nonce)
    this.#active.set(commitment, undefined)
    let delivery: BlobDelivery
    try {
      delivery = await this.store.deliver(contentHash, hexToBytes(auth.buyerPublicKey))
    } catch (err) {
      this.#active.delete(commitment)
      throw err
    }
    try {
      await this.redemptions.begin(commitment, trade.id, request.nonce)
    } catch (err) {
      this.#active.delete(commitment)
      await delivery.cancel()
      throw err
    }

    let sent = 0
    async function* counted(): AsyncGenerator<Buffer, void, undefined> {
      for await (const piece of delivery.stream) {
        sent += piece.length
        yield piece
      }
    }
    // Object mode: each sealed chunk passes through as one Buffer (byte mode would re-concatenate them).
    const body = Readable.from(counted(), { objectMode: true, highWaterMark: 2 })
    this.#active.set(commitment, body)
    if (options.signal) {
      const signal = options.signal
      const abort = () => body.destroy(asError(signal.reason))
      if (signal.aborted) abort()
      else signal.addEventListener('abort', abort, { once: true })
      body.once('close', () => signal.removeEventListener('abort', abort))
    }

    const completion = new Promise<DownloadConfirmation>((resolve, reject) => {
      let ended = false
      let failure: Error | undefined
      body.once('end', () => (ended = true))
      body.once('error', (err) => (failure = err))
      body.once('close', () => {
        this.#active.delete(commitment)
        void delivery.cancel()
        if (ended && sent === delivery.byteLength) {
          this.#logger?.info({ tradeId: trade.id.toString(), bytes: sent }, 'download served')
          const recorded = track(this.#recording, this.redemptions.end(commitment, 'served'))
          resolve(track(this.#confirming, recorded.then(() => this.#confirm(trade, commitment))))
          return
        }
        const error = failure instanceof BlobTamperedError ? failure : new DownloadInterruptedError({ tradeId: trade.id, bytes: sent, cause: failure })
        this.#logger?.warn({ tradeId: trade.id.toString(), bytes: sent, reason: error.name }, 'download interrupted')
        track(this.#recording, this.redemptions.end(commitment, 'interrupted')).then(() => reject(error), reject)
      })
    })
    completion.catch(() => {}) // observing the outcome is optional
    return { tradeId: trade.id, contentHash, byteLength: delivery.byteLength, body, completion }
  }

  /**
   * Confirms downloads that were served but not confirmed before a crash or a failed
   * transaction. Trades that left state Accepted meanwhile are marked done.
   *
   * @example
   * const confirmed = await provider.resumeConfirmations()
   */
  async resumeConfirmations(): Promise<DownloadConfirmation[]> {
    const pending = this.redemptions.unconfirmed()
    const outcomes = await Promise.allSettled(pending.map((r) => this.#resume(r)))
    return outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value] : []))
  }

  /**
   * Graceful shutdown: aborts downloads in progress (recorded as interrupted), sends the
   * confirmations due without waiting for their batch, closes the token record.
   */
  async close(): Promise<void> {
    for (const body of this.#active.values()) body?.destroy()
    await new Promise((r) => setImmediate(r)) // bodies emit 'close'
    await Promise.allSettled([...this.#recording]) // served downloads are now queued for confirmation
    await this.confirmer.flush()
    await Promise.allSettled([...this.#confirming])
    await this.redemptions.close()
  }

  async #resume(r: Redemption): Promise<DownloadConfirmation | undefined> {
    const { trade, open } = await this.client.trade(r.tradeId)
    if (!open || trade.state !== ACCEPTED) {
      await this.redemptions.confirmed(r.commitment)
      return undefined
    }
    return this.#confirm(trade, r.commitment)
  }

  async #confirm(trade: Trade, commitment: Hex): Promise<DownloadConfirmation> {
    try {
      const confirmation = await this.confirmer.confirm(trade)
      await this.redemptions.confirmed(commitment, confirmation.hash)
      this.#logger?.info({ tradeId: trade.id.toString(), tx: confirmation.hash, batchSize: confirmation.batchSize }, 'download confirmed')
      return confirmation
    } catch (err) {
      this.#logger?.warn({ tradeId: trade.id.toString(), err }, 'download confirmation failed')
      throw err
    }
  }

  #checkSingleUse(tradeId: bigint, commitment: Hex, nonce: Hex): void {
    const record = this.redemptions.get(commitment)
    const refuse = (reason: ConstructorParameters<typeof DownloadTokenReplayedError>[0]['reason']) => new DownloadTokenReplayedError({ tradeId, reason })
    if (record && (record.status === 'served' || record.status === 'confirmed')) throw refuse('completed')
    if (this.#active.has(commitment)) throw refuse('in-progress')
    if (!record) return
    if (record.nonces.includes(nonce.toLowerCase() as Hex)) throw refuse('request-reused')
    if (this.#options.now() - record.firstAt > this.#options.retryGraceSeconds * 1000) throw refuse('grace-expired')
    if (record.nonces.length >= this.#options.maxAttempts) throw refuse('attempts-exhausted')
  }
}

/** Keeps `work` in `set` until it settles. */
function track<T>(set: Set<Promise<unknown>>, work: Promise<T>): Promise<T> {
  set.add(work)
  const remove = () => set.delete(work)
  work.then(remove, remove)
  return work
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidStorageOptionError({ option, reason: 'must be a positive number' })
  return value
}

function nonNegative(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidStorageOptionError({ option, reason: 'must be zero or more' })
  return value
}

function asError(reason: unknown): Error | undefined {
  return reason instanceof Error ? reason : reason === undefined ? undefined : new Error(String(reason))
}
