/**
 * Sends the storage provider's `confirmDownload` transactions, batching the downloads that
 * finish close together into one `confirmDownloads(trades[])`.
 *
 * `batchDelayMs` is how long the first confirmation waits for company (0: everything
 * requested in the same event-loop turn goes together); a batch never exceeds `maxBatch`.
 * Batches are sent one at a time. A batch that reverts (one trade past its deadline reverts
 * them all) is retried trade by trade, so one bad trade never blocks the others; each
 * caller gets its own trade's outcome.
 */
import type { Hash } from 'viem'
import type { Actor } from '../sdk/BourseClient.ts'
import type { Trade } from '../sdk/trade.ts'

export interface DownloadConfirmerOptions {
  /** How long a confirmation waits for others to batch with (ms, default 0). */
  batchDelayMs?: number | undefined
  /** Most trades per transaction (default 32). */
  maxBatch?: number | undefined
}

/** A confirmed download: the trade record after it (state Downloaded) and the transaction. */
export interface DownloadConfirmation {
  trade: Trade
  hash: Hash
  /** Trades confirmed by the same transaction (1 when sent alone). */
  batchSize: number
}

interface Pending {
  trade: Trade
  resolve: (c: DownloadConfirmation) => void
  reject: (e: unknown) => void
}

export class DownloadConfirmer {
  readonly #actor: Actor
  readonly #delay: number
  readonly #max: number
  #queue: Pending[] = []
  #timer: NodeJS.Timeout | undefined
  #sending: Promise<void> = Promise.resolve()

  /**
   * @example
   * const confirmer = new DownloadConfirmer(client.as(storageKey), { batchDelayMs: 2000 })
   * const { hash } = await confirmer.confirm(trade)
   */
  constructor(actor: Actor, options: DownloadConfirmerOptions = {}) {
    this.#actor = actor
    this.#delay = options.batchDelayMs ?? 0
    this.#max = Math.max(1, options.maxBatch ?? 32)
  }

  /** Confirms one download; resolves once the transaction that carries it is mined. */
  confirm(trade: Trade): Promise<DownloadConfirmation> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ trade, resolve, reject })
      if (this.#queue.length >= this.#max) this.#schedule(0)
      else this.#schedule(this.#delay)
    })
  }

  /** Sends everything queued now and waits until all of it is mined or refused. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    while (this.#queue.length > 0) this.#send(this.#queue.splice(0, this.#max))
    await this.#sending
  }

  #schedule(delay: number): void {
    if (this.#timer && delay > 0) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      while (this.#queue.length > 0) this.#send(this.#queue.splice(0, this.#max))
    }, delay)
  }

  #send(batch: Pending[]): void {
    this.#sending = this.#sending.then(() => this.#sendNow(batch))
  }

  async #sendNow(batch: Pending[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const { hash, trades } = await this.#actor.confirmDownloads(batch.map((p) => p.trade))
        batch.forEach((p, i) => p.resolve({ trade: trades[i]!, hash, batchSize: batch.length }))
        return
      } catch {
        // One trade's revert reverts the batch: fall through and isolate it.
      }
    }
    for (const p of batch) {
      try {
        const { hash, trade } = await this.#actor.confirmDownload(p.trade)
        p.resolve({ trade, hash, batchSize: 1 })
      } catch (err) {
        p.reject(err)
      }
    }
  }
}
