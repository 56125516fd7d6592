/**
 * The write path of supervision records: check, encrypt, append to the channel's Merkle log.
 *
 * `submit()` takes drafts with the on-chain facts they describe, runs the pre-chain checks,
 * seals the private fields under the channel's key (creating and wrapping the key for the
 * channel's members on its first record), gives each accepted record the next position in
 * its channel's log and writes records, leaves and rejections in one database transaction.
 * Submissions are staged one at a time (positions must not interleave) and written in the
 * same order, the write of one overlapping the staging of the next; a channel's state is
 * cached in memory and loaded from the database on first use, so a restart continues each
 * log where it stopped.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { hexToBytes, type Address, type Hex } from 'viem'
import { checkRecord, type TradeFacts } from './checks.ts'
import { compileValidators } from './compiledSchemas.ts'
import { ChannelKeyWrapper, newKey, type ChannelKeyWrap } from './envelope.ts'
import type { Link, RecordDraft } from './links.ts'
import { recordIdOf, SEAL_RANDOM_BYTES, type StoredRecord } from './record.ts'
import { sealedRecord, type SealJob, type SealRequest } from './sealing/sealBatch.ts'
import { Sealer, type SealOutcome } from './sealing/Sealer.ts'
import type { ChannelKeyRow, RejectionRow, SupervisionStore } from './SupervisionStore.ts'
import { channelIdText, type ChannelPlan } from './tradeContext.ts'
import type { Growth } from './Anchorer.ts'
import { ChannelMap, ChannelSet } from './ChannelMap.ts'

export interface Submission {
  draft: RecordDraft
  /** The trade as the chain has it; `undefined` when no such trade is known (rejected). */
  facts: TradeFacts | undefined
  /** Who the channel's members are (used when this is the channel's first record). */
  plan: ChannelPlan | undefined
}

export interface AcceptedRecord {
  recordId: Hex
  channelId: bigint
  seq: number
  link: Link
}

export interface Rejection {
  recordId: Hex
  channelId: bigint
  link: string
  rule: string
  field: string | null
  reason: string
}

export interface SubmitResult {
  accepted: AcceptedRecord[]
  rejected: Rejection[]
  /** Drafts whose source was already recorded or rejected (production is idempotent). */
  duplicates: number
}

/** A channel as the write path needs it. */
interface ChannelState {
  /** Records staged (the next record's position); `leaves` holds the written ones. */
  size: number
  /** Links staged so far (the link-order checks). */
  links: Set<Link>
  key: Uint8Array
  leaves: Uint8Array[]
  /** Who its members are, when this process created it (its opening on chain needs them). */
  plan?: ChannelPlan
}

export interface RecordLogParameters {
  store: SupervisionStore
  /** The producer's encryption key (the platform organisation's). */
  wrapper: ChannelKeyWrapper
  producerOrg: Address
  /** Published encryption key of an organisation (cached by the caller). */
  publicKeyOf: (org: Address) => Promise<Uint8Array | undefined>
  now?: () => number
  /** Seal on a thread of its own (default true; false: on the calling thread). */
  sealThread?: boolean
  logger?: Pick<Logger, 'warn'> | undefined
  /** Called after a submission committed: the channels that grew. */
  onAppended?: (channels: ReadonlyMap<bigint, Growth>) => void
}

/** A channel key row for one member, its key still to be wrapped ({@link wrapChannelKeys}). */
export interface KeyToWrap {
  row: Omit<ChannelKeyRow, 'wrappedKey'>
  wrap: ChannelKeyWrap
}

/**
 * The key rows of `keys`, every key wrapped in one batch ({@link ChannelKeyWrapper.wrapMany}):
 * a submission's new channels, and the supervisors given keys after an opening.
 */
export function wrapChannelKeys(wrapper: ChannelKeyWrapper, keys: readonly KeyToWrap[]): ChannelKeyRow[] {
  const wrapped = wrapper.wrapMany(keys.map((k) => k.wrap))
  return keys.map((k, i) => ({ ...k.row, wrappedKey: hexOf(wrapped[i]!) }))
}

/** Records sealed between two yields to the event loop. */
const YIELD_EVERY = 250

/** A submission checked and positioned, to be sealed and then written. */
interface Staged {
  epoch: number
  /** The accepted drafts with their channel keys and positions. */
  request: SealRequest
  rejections: RejectionRow[]
  channelKeys: ChannelKeyRow[]
  /** Per channel: its state and its size before this submission. */
  grown: ChannelMap<{ channel: ChannelState; from: number }>
  /** Every source this submission records or rejects (in flight until written). */
  sources: string[]
  duplicates: number
}

/** A submission staged on top of one whose write failed: nothing of it was written. */
export class StaleSubmissionError extends Error {
  override readonly name = 'StaleSubmissionError'
  constructor() {
    super('supervision: an earlier submission failed to be written, so the positions this one was given are void; submit it again')
  }
}

export class RecordLog {
  readonly #p: RecordLogParameters
  readonly #channels = new ChannelMap<ChannelState>()
  /** Channels being loaded from the database. */
  readonly #loading = new ChannelMap<Promise<ChannelState | undefined>>()
  /** Staging, one submission at a time (positions must not interleave). */
  #staging: Promise<unknown> = Promise.resolve()
  /** Writing, one submission at a time, in staging order. */
  #writing: Promise<unknown> = Promise.resolve()
  /** Sources staged and not yet written: duplicates of them are caught before the database knows them. */
  readonly #inFlight = new Set<string>()
  /** Bumped when a staging or a write fails: submissions staged before are void (their positions assumed it). */
  #epoch = 0
  readonly #sealer: Sealer

  constructor(p: RecordLogParameters) {
    this.#p = p
    // With the SQLite writer thread, the seal thread posts the rows to it directly.
    this.#sealer = new Sealer({ threaded: p.sealThread ?? true, logger: p.logger, feedTo: p.store.feedingWriter })
  }

  /**
   * Checks, seals and writes a submission; resolves once it is durably written. Submissions
   * are pipelined: the next one is checked and sealed while this one is being written (on the
   * database's writer thread when there is one), and they are written in submission order.
   * If a write fails, every submission staged after it fails too ({@link StaleSubmissionError})
   * and the cached channel state is dropped, so the next submission starts from the database.
   */
  submit(items: readonly Submission[]): Promise<SubmitResult> {
    const staged = this.#staging.then(() => this.#stage(items))
    this.#staging = staged.catch(() => undefined)
    const sealed = staged.then((s) => this.#sealer.seal(s.request))
    sealed.catch(() => undefined) // its failure is the write's (below)
    const written = this.#writing.then(() => this.#write(staged, sealed))
    this.#writing = written.catch(() => undefined)
    return written
  }

  /** Whether submissions are sealed on the seal thread now (it has started and is ready). */
  get sealThreadReady(): boolean {
    return this.#sealer.threadReady
  }

  /** Where and how much was sealed (see {@link Sealer.stats}). */
  get sealStats(): Sealer['stats'] {
    return this.#sealer.stats
  }

  /** Starts the seal thread and compiles the checks' validators now rather than at the first submission (a node at start). */
  warm(): void {
    this.#sealer.warm()
    compileValidators()
  }

  /** Ends the seal thread (after the batches it was given). */
  close(): Promise<void> {
    return this.#sealer.close()
  }

  /** The leaf hashes of a channel's written log (cached), for the anchorer. */
  async leaves(channelId: bigint): Promise<Uint8Array[]> {
    return (await this.#channel(channelId, undefined, []))?.leaves ?? (await this.#p.store.channelLeaves(channelId)).map((l) => hexToBytes(l.leafHash))
  }

  /** The plan of a channel this process created (cached), so opening it needs no database read. */
  createdPlan(channelId: bigint): ChannelPlan | undefined {
    return this.#channels.get(channelId)?.plan
  }

  /** The channel key, for members' key distribution. */
  async channelKey(channelId: bigint): Promise<Uint8Array | undefined> {
    return (await this.#channel(channelId, undefined, []))?.key
  }

  async #stage(items: readonly Submission[]): Promise<Staged> {
    try {
      return await this.#stageUnguarded(items)
    } catch (err) {
      this.#void() // channel sizes may already have moved for records that will never be written
      throw err
    }
  }

  async #stageUnguarded(items: readonly Submission[]): Promise<Staged> {
    const epoch = this.#epoch
    const createdAt = (this.#p.now ?? Date.now)()
    const absent = await this.#absentChannels(items)
    const known = await this.#p.store.knownSources(items.map((i) => i.draft), absent)
    const seen = new Set<string>()
    const jobs: SealJob[] = []
    const keys: Uint8Array[] = []
    const keyIndex = new ChannelMap<number>()
    const rejections: RejectionRow[] = []
    const keysToWrap: KeyToWrap[] = []
    const grown: Staged['grown'] = new ChannelMap()
    let duplicates = 0

    let sinceYield = 0
    for (const { draft, facts, plan } of items) {
      // A large submission is CPU-bound for a while: let the anchor cycle (its chain round
      // trips are macrotasks) progress between slices, so commit latency is not a multiple of
      // the submission time. Nothing is visible to it before the write.
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      if (known.has(draft.source) || seen.has(draft.source) || this.#inFlight.has(draft.source)) {
        duplicates++
        continue
      }
      seen.add(draft.source)
      // A cached channel without a promise per record (the common case: every record after a channel's first).
      const channel = facts ? (this.#channels.get(draft.channelId) ?? (await this.#channel(draft.channelId, plan, keysToWrap, absent))) : undefined
      const verdict = checkRecord(draft, channel ? facts : undefined, channel?.links ?? new Set())
      if (!verdict.ok || !channel) {
        const failure = verdict.ok ? { rule: 'channel', field: 'channelId', reason: 'the channel has no members to encrypt for' } : verdict
        rejections.push({
          id: `0x${createHash('sha256').update(`${draft.source}:${failure.rule}:${failure.field}`).digest('hex')}`,
          channelId: draft.channelId,
          link: String(draft.link),
          rule: failure.rule,
          field: failure.field,
          reason: failure.reason,
          source: draft.source,
          publicFields: safeJson(draft.publicFields),
          createdAt,
        })
        continue
      }
      // The channel's staged state moves now (the next submission continues from it); its
      // leaves join the log the anchorer sees only once written.
      let k = keyIndex.get(draft.channelId)
      if (k === undefined) {
        k = keys.push(channel.key) - 1
        keyIndex.set(draft.channelId, k)
        grown.set(draft.channelId, { channel, from: channel.size })
      }
      jobs.push({ draft, keyIndex: k, seq: channel.size })
      channel.size++
      channel.links.add(draft.link)
    }
    // A write failed while this was staged: the cache was dropped meanwhile, and what this
    // staging put back in it (channels loaded or moved on) assumed the failed records. Drop it
    // again; the caller submits again from the database's state.
    if (epoch !== this.#epoch) throw new StaleSubmissionError()
    const channelKeys = wrapChannelKeys(this.#p.wrapper, keysToWrap) // every new channel's keys in one go
    const sources = [...seen]
    for (const source of sources) this.#inFlight.add(source)
    const random = randomBytes(jobs.length * SEAL_RANDOM_BYTES) // one draw for the whole submission
    return { epoch, request: { jobs, keys, createdAt, random }, rejections, channelKeys, grown, sources, duplicates }
  }

  async #write(stagedResult: Promise<Staged>, sealedResult: Promise<SealOutcome>): Promise<SubmitResult> {
    const s = await stagedResult // a staging failure has already voided what it staged
    let recordIds: readonly string[]
    let leaves: Uint8Array
    try {
      if (s.epoch !== this.#epoch) {
        this.#discard(sealedResult) // its rows may be on their way to the writer thread
        throw new StaleSubmissionError()
      }
      try {
        const outcome = await sealedResult
        if (outcome.fed) {
          ;({ recordIds, leaves } = outcome)
          await this.#p.store.appendFed({ ticket: outcome.ticket, generation: outcome.generation, count: s.request.jobs.length, channelKeys: s.channelKeys, rejections: s.rejections })
        } else {
          const { sealed } = outcome
          ;({ recordIds, leaves } = sealed)
          const leafHex = Buffer.from(leaves.buffer, leaves.byteOffset, leaves.length).toString('hex')
          const records = s.request.jobs.map((_, i) => ({ record: sealedRecord(s.request, sealed, i), leafHash: `0x${leafHex.slice(i * 64, i * 64 + 64)}` as Hex }))
          await this.#p.store.append({ records, channelKeys: s.channelKeys, rejections: s.rejections })
        }
      } catch (err) {
        // Cached sizes, links and keys include this submission (and any staged after it): drop
        // them all, and void the submissions staged on top of this one.
        this.#void()
        throw err
      }
    } finally {
      for (const source of s.sources) this.#inFlight.delete(source)
    }
    const grown = new ChannelMap<Growth>()
    const created = new ChannelSet(s.channelKeys.map((k) => k.channelId))
    s.request.jobs.forEach((job, i) => s.grown.get(job.draft.channelId)!.channel.leaves.push(leaves.subarray(i * 32, i * 32 + 32)))
    for (const [id, g] of s.grown) grown.set(id, { from: g.from, to: g.channel.leaves.length, created: created.has(id) })
    if (grown.size) this.#p.onAppended?.(grown)
    const byId = new Map(s.rejections.map((r) => [r.source, r]))
    return {
      accepted: s.request.jobs.map(({ draft, seq }, i) => ({ recordId: recordIds[i] as Hex, channelId: draft.channelId, seq, link: draft.link })),
      rejected: [...byId.values()].map((r) => ({ recordId: recordIdOf(r.channelId, r.source), channelId: r.channelId, link: r.link, rule: r.rule, field: r.field, reason: r.reason })),
      duplicates: s.duplicates,
    }
  }

  /** Drops the rows a void submission's sealing fed to the writer thread (no transaction will insert them). */
  #discard(sealedResult: Promise<SealOutcome>): void {
    sealedResult.then(
      (outcome) => {
        if (outcome.fed) this.#p.store.feedingWriter?.discard(outcome.ticket, outcome.generation)
      },
      () => undefined, // nothing was fed
    )
  }

  /** Voids everything staged and not written: the next staging starts from the database. */
  #void(): void {
    this.#epoch++
    this.#channels.clear()
  }

  /** A logged channel's state from the database (its leaves, links and our copy of its key), cached; undefined if it has none. */
  async #load(channelId: bigint): Promise<ChannelState | undefined> {
    const keys = await this.#p.store.channelKeys(channelId)
    const own = keys.find((k) => k.org.toLowerCase() === this.#p.producerOrg.toLowerCase())
    if (!own) return undefined
    const key = this.#p.wrapper.unwrap(hexToBytes(own.wrappedKey), channelId, own.org, hexToBytes(own.recipientKey))
    if (!key) throw new Error(`supervision: the producer's copy of the key of channel 0x${channelId.toString(16)} does not open (another producer key?)`)
    const leaves = await this.#p.store.channelLeaves(channelId)
    const links = await this.#p.store.channelLinks(channelId)
    const state: ChannelState = { size: leaves.length, links, key, leaves: leaves.map((l) => hexToBytes(l.leafHash)) }
    this.#channels.set(channelId, state)
    return state
  }

  /**
   * The channel's state: cached, else loaded (its leaves, links and our wrapped copy of its
   * key), else — with a plan — created with a fresh key wrapped to every member that published
   * an encryption key (the producer always keeps its own copy). Its keys to wrap go to `newKeys`.
   */
  async #channel(channelId: bigint, plan: ChannelPlan | undefined, newKeys: KeyToWrap[], absent?: ReadonlySet<string>): Promise<ChannelState | undefined> {
    const cached = this.#channels.get(channelId)
    if (cached) return cached
    if (absent?.has(channelIdText(channelId))) return plan ? this.#create(channelId, plan, newKeys) : undefined
    // One load per channel at a time: a staging and the anchorer asking for the same channel
    // must share one state object, or one of them would move on a copy the other replaced.
    let loading = this.#loading.get(channelId)
    if (!loading) {
      loading = this.#load(channelId).finally(() => this.#loading.delete(channelId))
      this.#loading.set(channelId, loading)
    }
    const loaded = await loading
    if (loaded) return loaded
    return plan ? this.#create(channelId, plan, newKeys) : undefined
  }

  /**
   * The channels of a submission that are neither cached nor being loaded and have no key rows
   * in the database (their first records are in it): one query for all of them, rather than a
   * load attempt each (a submission may open hundreds of channels).
   */
  async #absentChannels(items: readonly Submission[]): Promise<ReadonlySet<string>> {
    const unknown = new ChannelSet()
    for (const { draft, facts } of items) if (facts && !this.#channels.has(draft.channelId) && !this.#loading.has(draft.channelId)) unknown.add(draft.channelId)
    if (unknown.size === 0) return new Set()
    const present = await this.#p.store.channelsWithKeys([...unknown])
    return new Set([...unknown].map(channelIdText).filter((id) => !present.has(id)))
  }

  /**
   * A new channel: a fresh key, to be wrapped to every member that published an encryption key
   * (the producer always keeps its own copy) — into `newKeys`, wrapped at the end of the staging.
   */
  async #create(channelId: bigint, plan: ChannelPlan, newKeys: KeyToWrap[]): Promise<ChannelState> {
    const key = newKey()
    const producerKey = hexOf(this.#p.wrapper.publicKey)
    const members = plan.members.some((m) => m.org.toLowerCase() === this.#p.producerOrg.toLowerCase()) ? plan.members : [...plan.members, { org: this.#p.producerOrg, role: 'platform' as const }]
    for (const m of members) {
      const isProducer = m.org.toLowerCase() === this.#p.producerOrg.toLowerCase()
      const recipient = isProducer ? this.#p.wrapper.publicKey : await this.#p.publicKeyOf(m.org)
      if (!recipient) continue // no published key yet: wrapped for it once it publishes one
      newKeys.push({ row: { channelId, org: m.org, role: m.role, recipientKey: hexOf(recipient), producerKey }, wrap: { channelKey: key, channelId, org: m.org, memberPublicKey: recipient } })
    }
    const state: ChannelState = { size: 0, links: new Set(), key, leaves: [], plan }
    this.#channels.set(channelId, state)
    return state
  }
}

/** 0x hex of bytes (Node's encoder: viem's `bytesToHex` is a JavaScript loop). */
export function hexOf(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return '"(not JSON)"'
  }
}
