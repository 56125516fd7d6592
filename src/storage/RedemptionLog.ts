/**
 * The provider's persistent record of redeemed download tokens: what makes a token
 * single-use across restarts, and what lets a confirmation that was due before a crash be
 * sent after it.
 *
 * One JSON line per event, appended and fsynced before the provider acts on it:
 *
 *     {"e":"begin","c":"0x<keccak256(token)>","t":"0x<tradeId>","n":"0x<request nonce>","at":<ms>}
 *     {"e":"end","c":"0x…","s":"served"|"interrupted","at":<ms>}
 *     {"e":"confirmed","c":"0x…","tx":"0x…","at":<ms>}     (no tx: the trade moved on without us)
 *
 * Records are keyed by the token *commitment*, never the token. A torn last line (crash
 * during an append) is dropped; any other bad line is {@link RedemptionLogCorruptError}. On
 * open the log is compacted: records confirmed on chain more than `retentionMs` ago are
 * dropped (the chain itself then refuses the trade: it is no longer Accepted).
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Hash, Hex } from 'viem'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { RedemptionLogCorruptError } from '../errors/storage.ts'

/**
 * `serving`: an attempt is (or was, before a crash) streaming; `interrupted`: the last attempt
 * stopped early; `served`: completely delivered, confirmation pending; `confirmed`: on chain.
 */
export type RedemptionStatus = 'serving' | 'interrupted' | 'served' | 'confirmed'

export interface Redemption {
  /** keccak256(token): the trade's tokenCommitment. */
  commitment: Hex
  tradeId: bigint
  status: RedemptionStatus
  /** When the token was first redeemed (ms). */
  firstAt: number
  updatedAt: number
  /** Request nonces used so far, one per attempt. */
  nonces: Hex[]
  /** The confirmDownload(s) transaction, once confirmed. */
  confirmation?: Hash | undefined
}

type Event =
  | { e: 'begin'; c: Hex; t: Hex; n: Hex; at: number }
  | { e: 'end'; c: Hex; s: 'served' | 'interrupted'; at: number }
  | { e: 'confirmed'; c: Hex; tx?: Hash | undefined; at: number }

export interface RedemptionLogOptions {
  /** Keep confirmed records this long (default 30 days). */
  retentionMs?: number | undefined
  /** Clock in ms (tests). */
  now?: (() => number) | undefined
}

export class RedemptionLog {
  readonly path: string
  readonly #records = new Map<Hex, Redemption>()
  readonly #now: () => number
  #handle: FileHandle | undefined
  #queue: Promise<void> = Promise.resolve()

  private constructor(path: string, now: () => number) {
    this.path = path
    this.#now = now
  }

  /**
   * Loads (and compacts) the log at `path`, creating it if missing.
   *
   * @example
   * const log = await RedemptionLog.open(join(dataDir, 'storage', 'redemptions.jsonl'))
   */
  static async open(path: string, options: RedemptionLogOptions = {}): Promise<RedemptionLog> {
    const log = new RedemptionLog(path, options.now ?? Date.now)
    const retention = options.retentionMs ?? 30 * 24 * 3600 * 1000
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    let text = ''
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const lines = text.split('\n')
    const last = lines.length - 1 // after the final newline: '' unless the last append was torn
    lines.forEach((line, i) => {
      if (line === '') return
      let event: Event
      try {
        event = JSON.parse(line) as Event
        log.#apply(event)
      } catch {
        if (i === last) return // torn by a crash mid-append
        throw new RedemptionLogCorruptError({ path, line: i + 1 })
      }
    })
    const cutoff = log.#now() - retention
    for (const [c, r] of log.#records) if (r.status === 'confirmed' && r.updatedAt < cutoff) log.#records.delete(c)
    await writeFileAtomic(path, [...log.#records.values()].flatMap(eventsOf).map((e) => `${JSON.stringify(e)}\n`).join(''))
    log.#handle = await open(path, 'a', 0o600)
    return log
  }

  /** The record of a token commitment, if it was ever redeemed here. */
  get(commitment: Hex): Redemption | undefined {
    const r = this.#records.get(commitment.toLowerCase() as Hex)
    return r && { ...r, nonces: [...r.nonces] }
  }

  /** Records served but not yet confirmed on chain (to confirm after a restart). */
  unconfirmed(): Redemption[] {
    return [...this.#records.values()].filter((r) => r.status === 'served').map((r) => ({ ...r, nonces: [...r.nonces] }))
  }

  /** Records the start of an attempt; durable when the promise resolves. */
  begin(commitment: Hex, tradeId: bigint, nonce: Hex): Promise<void> {
    return this.#append({ e: 'begin', c: commitment.toLowerCase() as Hex, t: `0x${tradeId.toString(16)}`, n: nonce.toLowerCase() as Hex, at: this.#now() })
  }

  /** Records the end of an attempt. */
  end(commitment: Hex, outcome: 'served' | 'interrupted'): Promise<void> {
    return this.#append({ e: 'end', c: commitment.toLowerCase() as Hex, s: outcome, at: this.#now() })
  }

  /**
   * Records the on-chain confirmation; without `tx`, that the trade left state Accepted by
   * other means (no confirmation is due any more).
   */
  confirmed(commitment: Hex, tx?: Hash): Promise<void> {
    return this.#append({ e: 'confirmed', c: commitment.toLowerCase() as Hex, tx, at: this.#now() })
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.#queue
    await this.#handle?.close()
    this.#handle = undefined
  }

  #append(event: Event): Promise<void> {
    this.#apply(event) // visible at once: a concurrent request sees the redemption
    const run = this.#queue.then(async () => {
      if (!this.#handle) throw new Error('redemption log is closed')
      await this.#handle.appendFile(`${JSON.stringify(event)}\n`, 'utf8')
      await this.#handle.datasync()
    })
    this.#queue = run.catch(() => {})
    return run
  }

  #apply(event: Event): void {
    const prior = this.#records.get(event.c)
    if (event.e === 'begin') {
      const nonces = prior ? [...prior.nonces, event.n] : [event.n]
      this.#records.set(event.c, { commitment: event.c, tradeId: BigInt(event.t), status: 'serving', firstAt: prior?.firstAt ?? event.at, updatedAt: event.at, nonces, confirmation: prior?.confirmation })
    } else if (!prior) {
      throw new Error(`${event.e} before begin`)
    } else if (event.e === 'end') {
      prior.status = prior.status === 'confirmed' ? 'confirmed' : event.s
      prior.updatedAt = event.at
    } else if (event.e === 'confirmed') {
      prior.status = 'confirmed'
      prior.confirmation = event.tx
      prior.updatedAt = event.at
    } else {
      throw new Error('unknown event')
    }
  }
}

/** Events that rebuild a record (compaction). */
function eventsOf(r: Redemption): Event[] {
  const t: Hex = `0x${r.tradeId.toString(16)}`
  const events: Event[] = r.nonces.map((n, i) => ({ e: 'begin', c: r.commitment, t, n, at: i === 0 ? r.firstAt : r.updatedAt }))
  if (r.status === 'served' || r.status === 'interrupted') events.push({ e: 'end', c: r.commitment, s: r.status, at: r.updatedAt })
  if (r.status === 'confirmed') events.push({ e: 'end', c: r.commitment, s: 'served', at: r.updatedAt }, { e: 'confirmed', c: r.commitment, tx: r.confirmation, at: r.updatedAt })
  return events
}
