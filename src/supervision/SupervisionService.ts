/**
 * The node's supervision service: produces the records of every trade from the indexed
 * timeline, checks, encrypts and logs them (RecordLog), anchors the logs on chain (Anchorer),
 * hands channel keys to the supervisors who join, and verifies (Verifier).
 *
 * Runs on the node that holds the platform organisation's keys (the Marketplace treasury's
 * organisation): the platform is a member of every channel and the producer of its records.
 */
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { getAddress, hexToBytes, type Address, type Hex } from 'viem'
import type { ReadConnection } from '../db/readConnection.ts'
import type { TransactionRunner } from '../db/writerThread.ts'
import type { Database } from '../db/schema.ts'
import { Anchorer } from './Anchorer.ts'
import type { ChannelOpening, SupervisionChain } from './chainPort.ts'
import { ChannelKeyWrapper } from './envelope.ts'
import { hexOf, RecordLog, wrapChannelKeys, type KeyToWrap } from './RecordLog.ts'
import { RecordProducer } from './RecordProducer.ts'
import { SupervisionStore } from './SupervisionStore.ts'
import { ChannelKind, channelPlanOf, loadTradeContext, type AssetSizeLookup } from './tradeContext.ts'
import { Verifier, type ChannelAudit, type RecordVerification } from './Verifier.ts'
import { ThreadedVerifier } from './verifying/ThreadedVerifier.ts'

export interface SupervisionServiceParameters {
  db: Kysely<Database>
  /** The database's read-only connection, if it has one (SQLite): verifications read there. */
  reader?: ReadConnection | undefined
  /** The database's writer thread, if it has one (SQLite): every supervision write runs there. */
  writer?: TransactionRunner | undefined
  chain: SupervisionChain
  chainId: number
  contract: Address
  /** Marketplace treasury key: its organisation is the platform. */
  platformKey: Address
  feeBps: number
  windows: { accept: number; download: number }
  /** The platform organisation (the producer) and its encryption private key. */
  producer: { org: Address; encryptionKey: Uint8Array }
  assetSize?: AssetSizeLookup
  maxBatchRecords?: number
  maxDelayMs?: number
  /** Record verifications on a thread of their own when the database is an SQLite file (default true). */
  verifyThread?: boolean
  pollMs?: number
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>
}

const JOIN_CURSOR = 'join_cursor'
const NEGATIVE_KEY_CACHE_MS = 5_000

export class SupervisionService {
  readonly store: SupervisionStore
  readonly log: RecordLog
  readonly anchorer: Anchorer
  readonly producer: RecordProducer
  readonly verifier: Verifier
  readonly #verifying: ThreadedVerifier
  readonly wrapper: ChannelKeyWrapper
  readonly #p: SupervisionServiceParameters
  readonly #keys = new Map<string, { key: Uint8Array | undefined; at: number }>()
  #timer: NodeJS.Timeout | undefined
  #polling: Promise<void> | undefined
  #stopped = true

  constructor(p: SupervisionServiceParameters) {
    this.#p = p
    this.store = new SupervisionStore(p.db, p.reader, p.writer)
    this.wrapper = new ChannelKeyWrapper(p.producer.encryptionKey)
    this.log = new RecordLog({
      store: this.store,
      wrapper: this.wrapper,
      producerOrg: p.producer.org,
      publicKeyOf: (org) => this.publicKeyOf(org),
      onAppended: (grown) => this.anchorer.notify(grown),
      logger: p.logger,
    })
    this.anchorer = new Anchorer({
      store: this.store,
      log: this.log,
      chain: p.chain,
      openingOf: (id) => this.openingOf(id),
      onOpened: (opened) => this.#giveKeysTo(opened.flatMap((o) => o.supervisors.map((s) => ({ channelId: o.channelId, org: s })))),
      maxBatchRecords: p.maxBatchRecords ?? 10_000,
      maxDelayMs: p.maxDelayMs ?? 500,
      ...(p.logger ? { logger: p.logger } : {}),
    })
    this.producer = new RecordProducer({
      db: p.db,
      store: this.store,
      log: this.log,
      platformKey: p.platformKey,
      feeBps: p.feeBps,
      windows: p.windows,
      assetSize: p.assetSize ?? (async () => null),
      ...(p.logger ? { logger: p.logger } : {}),
    })
    this.verifier = new Verifier(this.store, p.chain, { chainId: p.chainId, contract: p.contract })
    this.#verifying = new ThreadedVerifier({ verifier: this.verifier, file: p.verifyThread === false ? undefined : p.reader?.file, logger: p.logger })
  }

  /** Verifies a record ({@link Verifier.verify}) — on the verify thread when the database is an SQLite file. */
  verify(recordId: Hex): Promise<RecordVerification> {
    return this.#verifying.verify(recordId)
  }

  /** Whether verifications go to the verify thread now (it has started and is ready). */
  get verifyThreadReady(): boolean {
    return this.#verifying.threadReady
  }

  /** Verifications answered on the verify thread and inline. */
  get verifyStats(): ThreadedVerifier['stats'] {
    return this.#verifying.stats
  }

  /** Starts the seal and verify threads now rather than at first use (a benchmark's steady state). */
  warm(): void {
    this.log.warm()
    this.#verifying.warm()
  }

  /** Settles what a crash left, then produces and anchors continuously. */
  async start(): Promise<void> {
    // The seal thread now; the verify thread at the first verification (a node that serves
    // none never starts it, and the first few run inline while it starts).
    this.log.warm()
    await this.anchorer.recover()
    this.anchorer.start()
    this.#stopped = false
    this.#schedule(0)
  }

  /** Stops producing; anchors every record already logged (nothing is left unanchored). */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#polling
    await this.anchorer.stop({ flush: true })
    await Promise.all([this.log.close(), this.#verifying.close()])
  }

  /** Produces records for everything indexed so far and distributes keys to joiners. */
  async catchUp(): Promise<void> {
    await this.producer.drain()
    await this.#distributeJoins()
  }

  /** Indexer progress: produce now rather than at the next poll. */
  poke(): void {
    if (!this.#stopped && !this.#polling) this.#schedule(0)
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#polling = this.catchUp()
        .catch((err) => this.#p.logger?.error({ err }, 'supervision: producing records failed; retrying'))
        .finally(() => {
          this.#polling = undefined
          if (!this.#stopped) this.#schedule(this.#p.pollMs ?? 1000)
        })
    }, delayMs)
    this.#timer.unref?.()
  }

  /** An organisation's published encryption key (from the chain; absent ones re-asked after a while). */
  async publicKeyOf(org: Address): Promise<Uint8Array | undefined> {
    const id = org.toLowerCase()
    const cached = this.#keys.get(id)
    if (cached && (cached.key || Date.now() - cached.at < NEGATIVE_KEY_CACHE_MS)) return cached.key
    const hex = await this.#p.chain.encryptionKeyOf(getAddress(org))
    const key = hex && hex !== '0x' ? hexToBytes(hex) : undefined
    this.#keys.set(id, { key, at: Date.now() })
    return key
  }

  /** How a trade's channel is opened on chain. */
  async openingOf(channelId: bigint): Promise<ChannelOpening | undefined> {
    // A channel this process just created carries the plan it was created with (the same
    // trade, so the same members); others are derived from the indexed trade.
    let plan = this.log.createdPlan(channelId)
    if (!plan) {
      const ctx = await loadTradeContext(this.#p.db, channelId, this.#p.platformKey, async () => null)
      if (!ctx) return undefined
      plan = channelPlanOf(ctx)
    }
    return { channelId, kind: ChannelKind[plan.kind], members: plan.members.map((m) => m.org) }
  }

  /** Audits a channel, with its on-chain membership compared with what its trade implies. */
  async audit(channelId: bigint): Promise<ChannelAudit> {
    const [opening, channel] = await Promise.all([this.openingOf(channelId), this.store.channel(channelId)])
    return this.verifier.audit(channelId, opening ? { onChain: channel?.members.map((m) => getAddress(m)), expected: opening.members } : undefined)
  }

  /** Wraps channel keys to supervisors (who joined, or whom the contract added). */
  async #giveKeysTo(grants: { channelId: bigint; org: Address }[]): Promise<void> {
    const keys: KeyToWrap[] = []
    const producerKey = hexOf(this.wrapper.publicKey)
    for (const { channelId, org } of grants) {
      const recipient = await this.publicKeyOf(org)
      const key = await this.log.channelKey(channelId)
      if (!recipient || !key) continue
      keys.push({ row: { channelId, org, role: 'supervisor', recipientKey: hexOf(recipient), producerKey }, wrap: { channelKey: key, channelId, org, memberPublicKey: recipient } })
    }
    await this.store.insertChannelKeys(wrapChannelKeys(this.wrapper, keys))
  }

  /** Supervisors who joined a channel after it opened (indexed SupervisorJoined events). */
  async #distributeJoins(): Promise<void> {
    const cursor = (await this.store.getState(JOIN_CURSOR)) ?? '-1:-1'
    const [block, logIndex] = cursor.split(':').map(Number) as [number, number]
    const joins = await this.#p.db
      .selectFrom('supervision_channel_events')
      .select(['block_number', 'log_index', 'channel_id', 'org'])
      .where('event', '=', 'SupervisorJoined')
      .where((eb) => eb.or([eb('block_number', '>', block), eb.and([eb('block_number', '=', block), eb('log_index', '>', logIndex)])]))
      .orderBy('block_number')
      .orderBy('log_index')
      .limit(1000)
      .execute()
    if (!joins.length) return
    await this.#giveKeysTo(joins.filter((j) => j.channel_id && j.org).map((j) => ({ channelId: BigInt(j.channel_id!), org: getAddress(j.org!) })))
    const last = joins[joins.length - 1]!
    await this.store.setState(JOIN_CURSOR, `${last.block_number}:${last.log_index}`)
  }
}

