/**
 * The write path of supervision records: check, encrypt, append to the channel's Merkle log.
 *
 * `submit()` takes drafts with the on-chain facts they describe, runs the pre-chain checks,
 * seals the private fields under the channel's key (creating and wrapping the key for the
 * channel's members on its first record), gives each accepted record the next position in
 * its channel's log and writes records, leaves and rejections in one database transaction.
 * Submissions run one at a time (positions must not interleave); a channel's state is cached
 * in memory and loaded from the database on first use, so a restart continues each log
 * where it stopped.
 */
import { createHash, randomBytes } from 'node:crypto'
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import { checkRecord, type TradeFacts } from './checks.ts'
import { ChannelKeyWrapper, newKey } from './envelope.ts'
import type { Link, RecordDraft } from './links.ts'
import { recordIdOf, recordLeafHash, SEAL_RANDOM_BYTES, sealRecord } from './record.ts'
import type { ChannelKeyRow, RejectionRow, SupervisionStore } from './SupervisionStore.ts'
import type { ChannelPlan } from './tradeContext.ts'
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
  size: number
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
  /** Called after a submission committed: the channels that grew. */
  onAppended?: (channels: ReadonlyMap<bigint, Growth>) => void
}

/** Records sealed between two yields to the event loop. */
const YIELD_EVERY = 250

export class RecordLog {
  readonly #p: RecordLogParameters
  readonly #channels = new ChannelMap<ChannelState>()
  #queue: Promise<unknown> = Promise.resolve()

  constructor(p: RecordLogParameters) {
    this.#p = p
  }

  submit(items: readonly Submission[]): Promise<SubmitResult> {
    const run = this.#queue.then(() => this.#submit(items))
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** The leaf hashes of a channel's log (cached), for the anchorer. */
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

  /** Forgets a channel's cached state (its log is complete and anchored). */
  evict(channelId: bigint): void {
    this.#channels.delete(channelId)
  }

  async #submit(items: readonly Submission[]): Promise<SubmitResult> {
    const now = (this.#p.now ?? Date.now)()
    const known = await this.#p.store.knownSources(items.map((i) => i.draft))
    const seen = new Set<string>()
    const accepted: { record: ReturnType<typeof sealRecord>; leafHash: Hex }[] = []
    const rejections: RejectionRow[] = []
    const channelKeys: ChannelKeyRow[] = []
    const touched = new ChannelMap<ChannelState>()
    const staged = new ChannelMap<{ size: number; links: Set<Link>; leaves: Uint8Array[] }>()
    let duplicates = 0
    const random = randomBytes(items.length * SEAL_RANDOM_BYTES) // one draw for the whole submission

    let sinceYield = 0
    for (const { draft, facts, plan } of items) {
      // A large submission is CPU-bound for hundreds of milliseconds: let the anchor cycle
      // (its chain round trips are macrotasks) progress between slices, so commit latency is
      // not a multiple of the submission time. Nothing is visible to it before the append.
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
      if (known.has(draft.source) || seen.has(draft.source)) {
        duplicates++
        continue
      }
      seen.add(draft.source)
      // A cached channel without a promise per record (the common case: every record after a channel's first).
      const channel = facts ? (this.#channels.get(draft.channelId) ?? (await this.#channel(draft.channelId, plan, channelKeys))) : undefined
      const stage = channel ? (staged.get(draft.channelId) ?? { size: channel.size, links: new Set(channel.links), leaves: [] }) : undefined
      const verdict = checkRecord(draft, channel ? facts : undefined, stage?.links ?? new Set())
      if (!verdict.ok || !channel || !stage) {
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
          createdAt: now,
        })
        continue
      }
      const record = sealRecord(draft, channel.key, stage.size, now, random.subarray(accepted.length * SEAL_RANDOM_BYTES, (accepted.length + 1) * SEAL_RANDOM_BYTES))
      const leaf = recordLeafHash(record)
      accepted.push({ record, leafHash: bytesToHex(leaf) })
      stage.size++
      stage.links.add(draft.link)
      stage.leaves.push(leaf)
      staged.set(draft.channelId, stage)
      touched.set(draft.channelId, channel)
    }

    try {
      await this.#p.store.append({ records: accepted, channelKeys, rejections })
    } catch (err) {
      for (const k of channelKeys) this.#channels.delete(k.channelId) // keys never stored: forget them
      throw err
    }
    const grown = new ChannelMap<Growth>()
    const created = new ChannelSet(channelKeys.map((k) => k.channelId))
    for (const [id, stage] of staged) {
      const channel = touched.get(id)!
      grown.set(id, { from: channel.size, to: stage.size, created: created.has(id) })
      channel.size = stage.size
      channel.links = stage.links
      channel.leaves.push(...stage.leaves)
    }
    if (grown.size) this.#p.onAppended?.(grown)
    const byId = new Map(rejections.map((r) => [r.source, r]))
    return {
      accepted: accepted.map(({ record: r }) => ({ recordId: r.recordId, channelId: r.channelId, seq: r.seq, link: r.link })),
      rejected: [...byId.values()].map((r) => ({ recordId: recordIdOf(r.channelId, r.source), channelId: r.channelId, link: r.link, rule: r.rule, field: r.field, reason: r.reason })),
      duplicates,
    }
  }

  /**
   * The channel's state: cached, else loaded (its leaves, links and our wrapped copy of its
   * key), else — with a plan — created with a fresh key wrapped to every member that published
   * an encryption key (the producer always keeps its own copy). New key rows go to `newKeys`.
   */
  async #channel(channelId: bigint, plan: ChannelPlan | undefined, newKeys: ChannelKeyRow[]): Promise<ChannelState | undefined> {
    const cached = this.#channels.get(channelId)
    if (cached) return cached
    const keys = await this.#p.store.channelKeys(channelId)
    const own = keys.find((k) => k.org.toLowerCase() === this.#p.producerOrg.toLowerCase())
    if (own) {
      const key = this.#p.wrapper.unwrap(hexToBytes(own.wrappedKey), channelId, own.org, hexToBytes(own.recipientKey))
      if (!key) throw new Error(`supervision: the producer's copy of the key of channel 0x${channelId.toString(16)} does not open (another producer key?)`)
      const leaves = await this.#p.store.channelLeaves(channelId)
      const links = await this.#p.store.channelLinks(channelId)
      const state: ChannelState = { size: leaves.length, links, key, leaves: leaves.map((l) => hexToBytes(l.leafHash)) }
      this.#channels.set(channelId, state)
      return state
    }
    if (!plan) return undefined
    const key = newKey()
    const producerKey = bytesToHex(this.#p.wrapper.publicKey)
    const members = plan.members.some((m) => m.org.toLowerCase() === this.#p.producerOrg.toLowerCase()) ? plan.members : [...plan.members, { org: this.#p.producerOrg, role: 'platform' as const }]
    for (const m of members) {
      const isProducer = m.org.toLowerCase() === this.#p.producerOrg.toLowerCase()
      const recipient = isProducer ? this.#p.wrapper.publicKey : await this.#p.publicKeyOf(m.org)
      if (!recipient) continue // no published key yet: wrapped for it once it publishes one
      newKeys.push({ channelId, org: m.org, role: m.role, wrappedKey: bytesToHex(this.#p.wrapper.wrap(key, channelId, m.org, recipient)), recipientKey: bytesToHex(recipient), producerKey })
    }
    const state: ChannelState = { size: 0, links: new Set(), key, leaves: [], plan }
    this.#channels.set(channelId, state)
    return state
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return '"(not JSON)"'
  }
}
