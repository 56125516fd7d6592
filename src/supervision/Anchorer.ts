/**
 * Anchors the channels' Merkle logs on chain, in batches bounded by size and by delay.
 *
 * A cycle: take the channels whose log grew since their last anchored head (up to
 * `maxBatchRecords` new records), open on chain the ones not opened yet, compute each
 * channel's head (size, root), build the batch tree over the heads, write the batch as
 * *pending* with every head's inclusion path, send `commitHeads(root)`, mark it committed.
 *
 * Exactly once across crashes: a pending batch found at start is looked up on chain — its
 * root there means it landed (mark committed), no root means it did not (drop it; its
 * channels are still unanchored and go into the next batch). Nothing is anchored twice,
 * nothing is lost.
 */
import { EventEmitter } from 'node:events'
import { bytesToHex, type Address, type Hex } from 'viem'
import type { Logger } from 'pino'
import { headLeaf, leafHash, MerkleTree, rootOf } from './merkle/index.ts'
import type { ChannelOpening, SupervisionChain } from './chainPort.ts'
import type { RecordLog } from './RecordLog.ts'
import type { HeadRow, SupervisionStore } from './SupervisionStore.ts'

export interface AnchorerParameters {
  store: SupervisionStore
  log: RecordLog
  chain: SupervisionChain
  /** How a channel is opened on chain (kind and members), derived from its trade. */
  openingOf: (channelId: bigint) => Promise<ChannelOpening | undefined>
  /** Supervisors the contract put in newly opened channels: they get the channel key. */
  onOpened?: (channels: { channelId: bigint; supervisors: Address[] }[]) => Promise<void>
  maxBatchRecords: number
  maxDelayMs: number
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>
  now?: () => number
}

/** Channels opened per transaction (each costs tens of thousands of gas; a transaction may use 2^24). */
const OPEN_CHUNK = 100

export interface Growth {
  from: number
  to: number
  created: boolean
}

export interface CommittedHeads {
  batch: number
  root: Hex
  txHash: Hex
  heads: { channelId: bigint; treeSize: number }[]
  records: number
  committedAt: number
}

export class Anchorer extends EventEmitter<{ committed: [CommittedHeads]; error: [unknown] }> {
  readonly #p: AnchorerParameters
  /** channel -> [anchored size, current size] */
  readonly #dirty = new Map<bigint, { anchored: number; size: number }>()
  readonly #opened = new Set<bigint>()
  /** Channels created by this process and not opened on chain yet (no need to ask the chain). */
  readonly #unopened = new Set<bigint>()
  #pendingRecords = 0
  #oldestPending: number | undefined
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = true

  constructor(p: AnchorerParameters) {
    super()
    this.#p = p
  }

  get pendingRecords(): number {
    return this.#pendingRecords
  }

  /** Settles pending batches left by a crash and finds every unanchored channel. */
  async recover(): Promise<void> {
    for (const batch of await this.#p.store.pendingBatches()) {
      const onChain = await this.#p.chain.batchRoot(batch.batch)
      if (onChain && onChain.toLowerCase() === batch.root.toLowerCase()) {
        await this.#p.store.markCommitted(batch.batch, batch.txHash ?? ('0x' as Hex), batch.blockNumber ?? 0, this.#now())
        this.#p.logger?.info({ batch: batch.batch }, 'supervision: a batch sent before a crash had landed; marked committed')
      } else {
        await this.#p.store.dropPendingBatch(batch.batch)
        this.#p.logger?.warn({ batch: batch.batch }, 'supervision: a batch sent before a crash never landed; its heads go into the next batch')
      }
    }
    for (const c of await this.#p.store.unanchoredChannels()) this.#mark(c.channelId, c.anchored, c.size)
  }

  /**
   * The record log grew: per channel, its size before and after, and whether the channel was
   * created by this process (then it is known not to be open on chain yet).
   */
  notify(grown: ReadonlyMap<bigint, Growth>): void {
    for (const [channelId, g] of grown) {
      if (g.created) this.#unopened.add(channelId)
      this.#mark(channelId, g.from, g.to)
    }
    if (this.#pendingRecords >= this.#p.maxBatchRecords) this.#kick(0)
    else if (this.#oldestPending !== undefined) this.#kick(Math.max(0, this.#oldestPending + this.#p.maxDelayMs - this.#now()))
  }

  /** Records that channel's log as `size` long, anchored up to `anchored` unless already dirty. */
  #mark(channelId: bigint, anchored: number, size: number): void {
    const existing = this.#dirty.get(channelId)
    const from = existing?.size ?? anchored
    this.#dirty.set(channelId, { anchored: existing?.anchored ?? anchored, size })
    this.#pendingRecords += size - from
    this.#oldestPending ??= this.#now()
  }

  start(): void {
    this.#stopped = false
    if (this.#pendingRecords > 0) this.#kick(0)
  }

  /** Stops the timer and waits for the cycle in progress; `flush` anchors what is pending first. */
  async stop({ flush = true } = {}): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
    if (flush) while (this.#pendingRecords > 0) await this.anchorOnce()
  }

  #kick(delayMs: number): void {
    if (this.#stopped || this.#running) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#running = this.anchorOnce()
        .catch((err) => {
          this.#p.logger?.error({ err }, 'supervision: anchoring failed; retrying')
          if (this.listenerCount('error')) this.emit('error', err) // an unheard 'error' would throw
          return new Promise<void>((r) => setTimeout(r, 1000))
        })
        .finally(() => {
          this.#running = undefined
          if (this.#pendingRecords > 0) this.#kick(this.#pendingRecords >= this.#p.maxBatchRecords ? 0 : Math.max(0, (this.#oldestPending ?? this.#now()) + this.#p.maxDelayMs - this.#now()))
        })
    }, delayMs)
    this.#timer.unref?.()
  }

  /** One cycle; returns when its batch is committed (or there was nothing to anchor). */
  async anchorOnce(): Promise<void> {
    if (this.#dirty.size === 0) return
    // Take whole channels, oldest first, until the batch holds maxBatchRecords new records.
    const taken: [bigint, { anchored: number; size: number }][] = []
    let records = 0
    for (const entry of this.#dirty) {
      if (records > 0 && records + (entry[1].size - entry[1].anchored) > this.#p.maxBatchRecords) break
      taken.push(entry)
      records += entry[1].size - entry[1].anchored
    }
    await this.#openChannels(taken.map(([id]) => id))

    const heads: { channelId: bigint; treeSize: number; root: Uint8Array; leaf: Uint8Array }[] = []
    for (const [channelId, { size }] of taken) {
      const leaves = (await this.#p.log.leaves(channelId)).slice(0, size)
      const root = rootOf(leaves)
      heads.push({ channelId, treeSize: size, root, leaf: leafHash(headLeaf(channelId, size, root)) })
    }
    const tree = new MerkleTree(heads.map((h) => h.leaf))
    const batchRoot = bytesToHex(tree.root)
    const paths = tree.paths()
    const batch = Math.max(await this.#p.chain.batchCount(), (await this.#p.store.lastBatchNumber()) + 1)
    const rows: HeadRow[] = heads.map((h, i) => ({ channelId: h.channelId, treeSize: h.treeSize, root: bytesToHex(h.root), batch, batchIndex: i, batchPath: paths[i]!.map((p) => bytesToHex(p)) }))
    const createdAt = this.#now()
    await this.#p.store.insertPendingBatch({ batch, root: batchRoot, heads: heads.length, records, createdAt }, rows)
    let committed
    try {
      committed = await this.#p.chain.commitHeads(batchRoot, heads.length, records)
    } catch (err) {
      await this.#p.store.dropPendingBatch(batch) // refused or unreachable: nothing landed
      throw err
    }
    if (committed.batch !== batch) throw new Error(`supervision: the contract numbered our batch ${committed.batch}, expected ${batch} (another producer commits to this contract)`)
    const committedAt = this.#now()
    await this.#p.store.markCommitted(batch, committed.txHash, committed.blockNumber, committedAt)

    for (const [channelId, entry] of taken) {
      const current = this.#dirty.get(channelId)!
      this.#pendingRecords -= entry.size - entry.anchored
      if (current.size > entry.size) this.#dirty.set(channelId, { anchored: entry.size, size: current.size })
      else this.#dirty.delete(channelId)
    }
    this.#oldestPending = this.#dirty.size ? this.#now() : undefined
    this.emit('committed', { batch, root: batchRoot, txHash: committed.txHash, heads: heads.map((h) => ({ channelId: h.channelId, treeSize: h.treeSize })), records, committedAt })
  }

  async #openChannels(channelIds: bigint[]): Promise<void> {
    const openings: ChannelOpening[] = []
    for (const id of channelIds) {
      if (this.#opened.has(id)) continue
      if (!this.#unopened.has(id) && BigInt(await this.#p.chain.channelState(id)) !== 0n) {
        this.#opened.add(id)
        continue
      }
      const opening = await this.#p.openingOf(id)
      if (opening) openings.push(opening)
    }
    // One transaction per OPEN_CHUNK channels keeps each well under a transaction's gas cap.
    for (let i = 0; i < openings.length; i += OPEN_CHUNK) {
      const chunk = openings.slice(i, i + OPEN_CHUNK)
      const opened = await this.#p.chain.openChannels(chunk)
      for (const o of chunk) {
        this.#opened.add(o.channelId)
        this.#unopened.delete(o.channelId)
      }
      await this.#p.onOpened?.(opened)
    }
  }

  #now(): number {
    return (this.#p.now ?? Date.now)()
  }
}
