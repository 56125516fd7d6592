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
import type { RecordLog, Submission, SubmitResult } from './RecordLog.ts'
import type { SupervisionStore } from './SupervisionStore.ts'
import { channelPlanOf, factsOf, loadTradeContext, type AssetSizeLookup, type TradeContext } from './tradeContext.ts'

const CURSOR = 'producer_cursor'

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

  /** Processes the next page of indexed trade events; returns how many events it consumed. */
  async step(): Promise<{ events: number; result: SubmitResult }> {
    const cursor = parseCursor(await this.#p.store.getState(CURSOR))
    const events = await this.#p.db
      .selectFrom('trade_events')
      .select(['block_number', 'log_index', 'trade_id', 'event', 'state_name', 'block_time'])
      .where((eb) => eb.or([eb('block_number', '>', cursor.block), eb.and([eb('block_number', '=', cursor.block), eb('log_index', '>', cursor.log)])]))
      .orderBy('block_number')
      .orderBy('log_index')
      .limit(this.#p.pageSize ?? 2000)
      .execute()
    if (!events.length) return { events: 0, result: { accepted: [], rejected: [], duplicates: 0 } }

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
    const result = await this.#p.log.submit(submissions)
    const last = events[events.length - 1]!
    // The cursor moves after the records are stored: a crash in between replays the page, and
    // the sources already stored are skipped as duplicates.
    await this.#p.store.setState(CURSOR, `${last.block_number}:${last.log_index}`)
    if (result.rejected.length) this.#p.logger?.warn({ rejected: result.rejected }, 'supervision: records rejected by the pre-chain checks')
    return { events: events.length, result }
  }

  /** Steps until the indexed timeline is consumed. */
  async drain(): Promise<number> {
    let total = 0
    for (;;) {
      const { events } = await this.step()
      total += events
      if (!events) return total
    }
  }
}

function parseCursor(text: string | undefined): { block: number; log: number } {
  if (!text) return { block: -1, log: -1 }
  const [block, log] = text.split(':').map(Number)
  return { block: block ?? -1, log: log ?? -1 }
}
