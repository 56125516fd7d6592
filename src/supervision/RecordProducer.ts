/**
 * Produces the records of every trade as it moves, from the indexed trade timeline: access
 * and match when a trade opens, implementation and service when its download is confirmed,
 * settlement when it closes. It follows `trade_events` in chain order from a cursor kept in
 * `supervision_state`, so after a restart it continues where it stopped; record ids derive
 * from the trade and link, so an event seen twice produces nothing twice.
 */
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../db/schema.ts'
import { accessRecord, implementationRecord, matchRecord, serviceRecord, settlementRecord } from './builders.ts'
import type { RecordDraft } from './links.ts'
import type { RecordLog, Submission } from './RecordLog.ts'
import type { SupervisionStore } from './SupervisionStore.ts'
import { channelPlanOf, factsOf, loadTradeContext, type AssetSizeLookup, type TradeContext } from './tradeContext.ts'

const CURSOR = 'producer_cursor'
/**
 * Pages staged, sealed or being written at once. Three: one page per stage (checks on the main
 * thread, sealing on the seal thread, the write on the writer thread). With two, the next page
 * was staged only once the page two back was written, and on two cores the stages' threads
 * waited on each other (bench:supervision, 80,000 records, five pairs of runs: 4–19 % faster
 * with three, median 6 %; the same CPU per record).
 */
export const PIPELINE = 3

export interface RecordProducerParameters {
  db: Kysely<Database>
  store: SupervisionStore
  log: RecordLog
  /** The Marketplace treasury key: its organisation is the platform. */
  platformKey: string
  feeBps: number
  windows: { accept: number; download: number }
  assetSize: AssetSizeLookup
  /** Events per step. */
  pageSize?: number
  logger?: Pick<Logger, 'info' | 'warn'>
}

export class RecordProducer {
  readonly #p: RecordProducerParameters

  constructor(p: RecordProducerParameters) {
    this.#p = p
  }

  /**
   * Produces records for every indexed event after the cursor, page by page, and returns how
   * many events it consumed. Pages are pipelined: the next page is read and staged while the
   * previous one is sealed and written (at most {@link PIPELINE} in flight). The cursor moves
   * after each page's records are stored — a crash in between replays the page, and the sources
   * already stored are skipped as duplicates; a failed page stops the drain where it failed.
   */
  async drain(): Promise<number> {
    let cursor = parseCursor(await this.#p.store.getState(CURSOR))
    const inFlight: Promise<void>[] = []
    let total = 0
    /** A page failed: submit no more (a page staged on top of it would fail as stale anyway). */
    let failed = false
    try {
      for (;;) {
        const page = await this.#page(cursor)
        if (!page || failed) break
        total += page.events
        const written = this.#p.log.submit(page.submissions).then(async (result) => {
          await this.#p.store.setState(CURSOR, `${page.last.block}:${page.last.log}`) // after its records, through the same writer
          if (result.rejected.length) this.#p.logger?.warn({ rejected: result.rejected }, 'supervision: records rejected by the pre-chain checks')
        })
        written.catch(() => (failed = true)) // awaited below, in order; not an unhandled rejection meanwhile
        inFlight.push(written)
        cursor = page.last
        if (inFlight.length >= PIPELINE) await inFlight.shift()
      }
    } finally {
      await Promise.allSettled(inFlight) // nothing left running behind a failure
    }
    await Promise.all(inFlight)
    return total
  }

  /** The drafts of the next page of indexed trade events after `cursor`; undefined when there are none. */
  async #page(cursor: { block: number; log: number }): Promise<{ events: number; submissions: Submission[]; last: { block: number; log: number } } | undefined> {
    const events = await this.#p.db
      .selectFrom('trade_events')
      .select(['block_number', 'log_index', 'trade_id', 'event', 'state_name', 'block_time'])
      .where((eb) => eb.or([eb('block_number', '>', cursor.block), eb.and([eb('block_number', '=', cursor.block), eb('log_index', '>', cursor.log)])]))
      .orderBy('block_number')
      .orderBy('log_index')
      .limit(this.#p.pageSize ?? 2000)
      .execute()
    if (!events.length) return undefined

    const contexts = new Map<string, TradeContext | undefined>()
    const submissions: Submission[] = []
    for (const e of events) {
      if (!contexts.has(e.trade_id)) contexts.set(e.trade_id, await loadTradeContext(this.#p.db, BigInt(e.trade_id), this.#p.platformKey, this.#p.assetSize))
      const ctx = contexts.get(e.trade_id)
      const drafts: RecordDraft[] = []
      if (!ctx) {
        this.#p.logger?.warn({ trade: e.trade_id, event: e.event }, 'supervision: a party of this trade is not a known organisation; no records')
        continue
      }
      if (e.event === 'TradeOpened') drafts.push(accessRecord(ctx), matchRecord(ctx, this.#p.feeBps, this.#p.windows))
      if (e.state_name === 'Downloaded' && e.event === 'TradeUpdated') drafts.push(implementationRecord(ctx, Number(e.block_time)), serviceRecord(ctx, Number(e.block_time)))
      if (e.event === 'TradeClosed') drafts.push(settlementRecord(ctx))
      const facts = factsOf(ctx)
      const plan = channelPlanOf(ctx)
      for (const draft of drafts) submissions.push({ draft, facts, plan })
    }
    const last = events[events.length - 1]!
    return { events: events.length, submissions, last: { block: Number(last.block_number), log: Number(last.log_index) } }
  }
}

function parseCursor(text: string | undefined): { block: number; log: number } {
  if (!text) return { block: -1, log: -1 }
  const [block, log] = text.split(':').map(Number)
  return { block: block ?? -1, log: log ?? -1 }
}
