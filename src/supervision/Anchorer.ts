/**
 * Anchors the channels' Merkle logs on chain, in batches bounded by size and by delay.
 *
 * A cycle: take the channels whose log grew since their last anchored head (up to
 * `maxBatchRecords` new records), compute each channel's head (size, root), build the batch
 * tree over the heads, write the batch as *pending* with every head's inclusion path and, with
 * each head, the inclusion proofs of the records it anchors first; send `commitHeads(root)`,
 * mark it committed.
 *
 * Channels are opened on chain beside the cycle, not inside it: a channel is queued for
 * opening when its first record is logged and a separate loop opens the queue in chunks.
 * `commitHeads` does not depend on a channel being open, so a batch never waits for the
 * (expensive: ~40k gas per channel) openings; the two share one queue of platform-key
 * transactions, so a commit waits for at most one chunk of openings.
 *
 * Exactly once across crashes: a pending batch found at start is looked up on chain — its
 * root there means it landed (mark committed), no root means it did not (drop it; its
 * channels are still unanchored and go into the next batch). Nothing is anchored twice,
 * nothing is lost. Openings survive crashes too: at start, every channel with a logged key
 * that the indexer has not seen opened is asked on chain and opened if its state is still zero.
 */
import { EventEmitter } from 'node:events'
import { bytesToHex, type Address, type Hex } from 'viem'
import type { Logger } from 'pino'
import { headLeaf, leafHash, MerkleTree } from './merkle/index.ts'
import type { ChannelOpening, SupervisionChain } from './chainPort.ts'
import { ChannelMap, ChannelSet } from './ChannelMap.ts'
import type { RecordLog } from './RecordLog.ts'
import type { HeadProofs, HeadRow, SupervisionStore } from './SupervisionStore.ts'

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
  readonly #dirty = new ChannelMap<{ anchored: number; size: number }>()
  /** Channels waiting to be opened on chain (queued when created, or found at recovery). */
  readonly #toOpen = new ChannelSet()
  /** Channels created by this process and not opened on chain yet (no need to ask the chain). */
  readonly #unopened = new ChannelSet()
  /** The opening loop in progress. */
  #opening: Promise<void> | undefined
  /** Platform-key transactions, one at a time (openings and commits share the key's nonces). */
  #writes: Promise<unknown> = Promise.resolve()
  #pendingRecords = 0
  /** The next batch number, once a commit of ours told it. */
  #nextBatch: number | undefined
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
    for (const c of await this.#p.store.unanchoredChannels()) {
      this.#mark(c.channelId, c.anchored, c.size)
      this.#toOpen.add(c.channelId) // opened unless the chain says it is already
    }
    // A crash between a channel's first record and its opening: asked on chain, opened if still zero.
    for (const channelId of await this.#p.store.channelsNotSeenOpened()) this.#toOpen.add(channelId)
  }

  /**
   * The record log grew: per channel, its size before and after, and whether the channel was
   * created by this process (then it is known not to be open on chain yet).
   */
  notify(grown: ReadonlyMap<bigint, Growth>): void {
    for (const [channelId, g] of grown) {
      if (g.created) {
        this.#unopened.add(channelId)
        this.#toOpen.add(channelId)
      }
      this.#mark(channelId, g.from, g.to)
    }
    this.#kickOpening()
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
    this.#kickOpening()
  }

  /**
   * Stops the timer and waits for the cycle and the openings in progress; `flush` anchors what
   * is pending and opens every queued channel first.
   */
  async stop({ flush = true } = {}): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
    await this.#opening
    if (flush) {
      while (this.#pendingRecords > 0) await this.anchorOnce()
      await this.openQueued()
    }
  }

  /** Channels queued for opening on chain. */
  get channelsToOpen(): number {
    return this.#toOpen.size
  }

  /** Opens every queued channel (chunk after chunk); returns when the queue is empty. */
  async openQueued(): Promise<void> {
    while (this.#toOpen.size > 0) await this.#openChunk()
  }

  #kickOpening(): void {
    if (this.#stopped || this.#opening || this.#toOpen.size === 0) return
    this.#opening = this.openQueued()
      .catch(async (err) => {
        this.#p.logger?.error({ err }, 'supervision: opening channels failed; retrying')
        if (this.listenerCount('error')) this.emit('error', err)
        await new Promise<void>((r) => setTimeout(r, 1000).unref?.())
      })
      .finally(() => {
        this.#opening = undefined
        this.#kickOpening()
      })
  }

  /** One platform-key transaction at a time, in call order. */
  #write<T>(send: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(send)
    this.#writes = run.catch(() => undefined)
    return run
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
    const heads: { channelId: bigint; treeSize: number; root: Uint8Array; leaf: Uint8Array; proofs: HeadProofs }[] = []
    for (const [channelId, { anchored, size }] of taken) {
      const leaves = (await this.#p.log.leaves(channelId)).slice(0, size)
      const channelTree = new MerkleTree(leaves)
      // The records anchored for the first time keep their inclusion proofs with this head, so
      // verifying one is a single lookup (the verifier checks it against the chain's root).
      const paths: Uint8Array[][] = []
      for (let i = anchored; i < size; i++) paths.push(channelTree.path(i))
      heads.push({ channelId, treeSize: size, root: channelTree.root, leaf: leafHash(headLeaf(channelId, size, channelTree.root)), proofs: { firstLeaf: anchored, paths } })
    }
    const tree = new MerkleTree(heads.map((h) => h.leaf))
    const batchRoot = bytesToHex(tree.root)
    const paths = tree.paths()
    // The contract numbers batches; after our first commit the next number is known without
    // asking (a foreign commit in between is caught by the check after sending).
    const batch = this.#nextBatch ?? Math.max(await this.#p.chain.batchCount(), (await this.#p.store.lastBatchNumber()) + 1)
    const rows: (HeadRow & { proofs: HeadProofs })[] = heads.map((h, i) => ({ channelId: h.channelId, treeSize: h.treeSize, root: bytesToHex(h.root), batch, batchIndex: i, batchPath: paths[i]!.map((p) => bytesToHex(p)), proofs: h.proofs }))
    const createdAt = this.#now()
    await this.#p.store.insertPendingBatch({ batch, root: batchRoot, heads: heads.length, records, createdAt }, rows)
    let committed
    try {
      committed = await this.#write(() => this.#p.chain.commitHeads(batchRoot, heads.length, records))
    } catch (err) {
      this.#nextBatch = undefined
      await this.#p.store.dropPendingBatch(batch) // refused or unreachable: nothing landed
      throw err
    }
    if (committed.batch !== batch) {
      this.#nextBatch = undefined
      throw new Error(`supervision: the contract numbered our batch ${committed.batch}, expected ${batch} (another producer commits to this contract)`)
    }
    this.#nextBatch = batch + 1
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

  /**
   * Opens the next OPEN_CHUNK queued channels in one transaction (each costs tens of thousands
   * of gas; a transaction may use 2^24). A channel not created by this process is opened only
   * if its on-chain state is still zero.
   */
  async #openChunk(): Promise<void> {
    const openings: ChannelOpening[] = []
    const done: bigint[] = []
    for (const id of this.#toOpen) {
      if (openings.length >= OPEN_CHUNK) break
      done.push(id)
      if (!this.#unopened.has(id) && BigInt(await this.#p.chain.channelState(id)) !== 0n) continue
      const opening = await this.#p.openingOf(id)
      if (opening) openings.push(opening)
    }
    if (openings.length) {
      const opened = await this.#write(() => this.#p.chain.openChannels(openings))
      await this.#p.onOpened?.(opened)
    }
    for (const id of done) {
      this.#toOpen.delete(id)
      this.#unopened.delete(id)
    }
  }

  #now(): number {
    return (this.#p.now ?? Date.now)()
  }
}
