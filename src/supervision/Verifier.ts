/**
 * Verification and audit from the node's database against the roots committed on chain.
 *
 * - `bundle(recordId)`: the record's proof bundle (bundle.ts) from the off-chain copies;
 * - `verify(recordId)`: the bundle checked against the on-chain root, plus the comparison of
 *   the recomputed record hash with the log's leaf at its position — pass, or exactly what
 *   does not match;
 * - `audit(channelId)`: a whole channel — every tampered, missing, reordered or unanchored
 *   record, a log that no longer matches its anchored heads, and membership that is not what
 *   the trade implies.
 *
 * On-chain roots are read from the chain and cached in memory (a committed root never
 * changes); they are never taken from the database, which is what is being checked.
 */
import { bytesToHex, type Address, type Hex } from 'viem'
import { BUNDLE_FORMAT, bytesOf, included, ProvenHeads, verifyBundle, type BundleVerification, type ProofBundle } from './bundle.ts'
import type { SupervisionChain } from './chainPort.ts'
import { headLeaf, leafHash, rootOf } from './merkle/index.ts'
import { recordLeafHash } from './record.ts'
import type { HeadRow, SupervisionStore } from './SupervisionStore.ts'

export type VerificationStatus = 'verified' | 'tampered' | 'not-anchored' | 'not-found'

export interface RecordVerification extends BundleVerification {
  status: VerificationStatus
  channelId: bigint | null
  seq: number | null
  link: string | null
  /** What does not match, in words (empty when verified). */
  problems: string[]
}

export type AuditIssueKind = 'tampered' | 'missing' | 'reordered' | 'unlogged' | 'unanchored' | 'log-mismatch' | 'membership'

export interface AuditIssue {
  kind: AuditIssueKind
  recordId: Hex | null
  position: number | null
  detail: string
}

export interface ChannelAudit {
  channelId: bigint
  ok: boolean
  records: number
  logSize: number
  anchoredSize: number
  issues: AuditIssue[]
}

export class Verifier {
  readonly #roots = new Map<number, Promise<Hex | undefined>>()
  /** Heads proven in their batch root: records of one head share that half of the proof. */
  readonly #provenHeads = new ProvenHeads()

  constructor(
    readonly store: SupervisionStore,
    /** Only committed roots are read from the chain. */
    readonly chain: Pick<SupervisionChain, 'batchRoot'>,
    readonly identity: { chainId: number; contract: Address },
  ) {}

  /**
   * The root the chain committed for a batch, read from the chain and cached once seen: a
   * committed root is immutable on chain (the contract never rewrites `_batches[n]`), so a
   * root read once stays the truth. Only roots the chain returned are cached — never one from
   * the database — and an absent batch is asked again next time.
   */
  onChainRoot(batch: number): Promise<Hex | undefined> {
    let root = this.#roots.get(batch)
    if (!root) {
      // The read in flight is shared: concurrent verifications of one batch ask the chain once.
      root = this.chain.batchRoot(batch).then(
        (r) => {
          if (!r) this.#roots.delete(batch)
          return r
        },
        (err: unknown) => {
          this.#roots.delete(batch)
          throw err
        },
      )
      this.#roots.set(batch, root)
    }
    return root
  }

  /** The proof bundle of a record; `missing` says why there is none (not stored, not anchored yet). */
  async bundle(recordId: Hex): Promise<{ bundle: ProofBundle; leaf: Hex } | { missing: 'record' | 'anchor'; channelId?: bigint; seq?: number; link?: string }> {
    const m = await this.store.proofMaterial(recordId)
    if (!m) return { missing: 'record' }
    const { record, anchor } = m
    if (!anchor) return { missing: 'anchor', channelId: record.channelId, seq: record.seq, link: record.link }
    const { head, batch, proof } = anchor
    const bundle: ProofBundle = {
      format: BUNDLE_FORMAT,
      chainId: this.identity.chainId,
      contract: this.identity.contract,
      record: { ...record, channelId: `0x${record.channelId.toString(16)}` },
      // The stored proof is checked by verifyBundle like any other input, never trusted.
      channel: { treeSize: head.treeSize, root: head.root, inclusionProof: proof },
      batch: { number: head.batch, heads: batch.heads, index: head.batchIndex, path: head.batchPath, root: batch.root, txHash: batch.txHash },
    }
    return { bundle, leaf: m.leaf ?? ('0x' as Hex) }
  }

  async verify(recordId: Hex): Promise<RecordVerification> {
    const built = await this.bundle(recordId)
    if ('missing' in built) {
      const notFound = built.missing === 'record'
      return {
        ok: false,
        recordId,
        status: notFound ? 'not-found' : 'not-anchored',
        channelId: built.channelId ?? null,
        seq: built.seq ?? null,
        link: built.link ?? null,
        checks: [],
        problems: [notFound ? `no record ${recordId} in the off-chain store (deleted, or never produced)` : `record ${recordId} is not anchored on chain yet`],
      }
    }
    const result = verifyBundle(built.bundle, await this.onChainRoot(built.bundle.batch.number), built.leaf, this.#provenHeads)
    return {
      ...result,
      status: result.ok ? 'verified' : 'tampered',
      channelId: BigInt(built.bundle.record.channelId),
      seq: built.bundle.record.seq,
      link: built.bundle.record.link,
      problems: result.checks.filter((c) => !c.ok).map((c) => c.detail),
    }
  }

  /** Audits a whole channel; `expectedMembers` (from its trade) checks membership when given. */
  async audit(channelId: bigint, membership?: { onChain: Address[] | undefined; expected: Address[] }): Promise<ChannelAudit> {
    const [records, leaves, heads] = await Promise.all([this.store.channelRecords(channelId), this.store.channelLeaves(channelId), this.store.heads(channelId)])
    const issues: AuditIssue[] = []
    const recordById = new Map(records.map((r) => [r.recordId.toLowerCase(), r]))

    for (const leaf of leaves) {
      const owner = recordById.get(leaf.recordId.toLowerCase())
      if (!owner) {
        issues.push({ kind: 'missing', recordId: leaf.recordId, position: leaf.index, detail: `record ${leaf.recordId}, anchored at position ${leaf.index}, is not in the database` })
        continue
      }
      if (owner.seq !== leaf.index) {
        issues.push({ kind: 'reordered', recordId: owner.recordId, position: leaf.index, detail: `record ${owner.recordId} was anchored at position ${leaf.index} but is stored at position ${owner.seq}` })
        continue
      }
      const recomputed = bytesToHex(recordLeafHash(owner))
      if (recomputed !== leaf.leafHash.toLowerCase()) {
        issues.push({ kind: 'tampered', recordId: owner.recordId, position: leaf.index, detail: `record ${owner.recordId} at position ${leaf.index} was modified: it hashes to ${recomputed}, the anchored leaf is ${leaf.leafHash}` })
      }
    }
    const loggedIds = new Set(leaves.map((l) => l.recordId.toLowerCase()))
    for (const r of records) {
      if (!loggedIds.has(r.recordId.toLowerCase())) {
        issues.push({ kind: 'unlogged', recordId: r.recordId, position: r.seq, detail: `record ${r.recordId} at position ${r.seq} is in no log position (inserted afterwards)` })
      }
    }

    // The log itself against the heads anchored on chain, oldest first: the first head it no
    // longer matches bounds where the log was changed.
    const leafHashes = leaves.map((l) => bytesOf(l.leafHash))
    let previous: HeadRow | undefined
    for (const head of heads) {
      const root = leafHashes.length >= head.treeSize ? bytesToHex(rootOf(leafHashes.slice(0, head.treeSize))) : undefined
      if (root !== head.root.toLowerCase()) {
        issues.push({
          kind: 'log-mismatch',
          recordId: null,
          position: previous?.treeSize ?? 0,
          detail: `the stored log's first ${head.treeSize} leaves no longer give the root anchored in batch ${head.batch}: a leaf between positions ${previous?.treeSize ?? 0} and ${head.treeSize - 1} was changed or removed`,
        })
        break
      }
      previous = head
    }
    const newest = heads[heads.length - 1]
    if (newest) {
      if (!(await this.#headOnChain(newest))) issues.push({ kind: 'log-mismatch', recordId: null, position: null, detail: `the channel head of size ${newest.treeSize} is not in the root the chain committed for batch ${newest.batch}` })
    }
    const anchoredSize = newest?.treeSize ?? 0
    for (const leaf of leaves.slice(anchoredSize)) issues.push({ kind: 'unanchored', recordId: leaf.recordId, position: leaf.index, detail: `record ${leaf.recordId} at position ${leaf.index} is not anchored on chain yet` })

    if (membership) {
      const norm = (a: readonly string[] | undefined) => (a ?? []).map((x) => x.toLowerCase()).join(',')
      if (membership.onChain === undefined) issues.push({ kind: 'membership', recordId: null, position: null, detail: 'the channel is not opened on chain' })
      else if (norm(membership.onChain) !== norm(membership.expected)) {
        issues.push({ kind: 'membership', recordId: null, position: null, detail: `the channel's members on chain are ${membership.onChain.join(', ')}; its trade implies ${membership.expected.join(', ')}` })
      }
    }
    const unanchoredOnly = issues.every((i) => i.kind === 'unanchored')
    return { channelId, ok: issues.length === 0 || unanchoredOnly, records: records.length, logSize: leaves.length, anchoredSize, issues }
  }

  /** Whether a stored head is in the batch root committed on chain. */
  async #headOnChain(head: HeadRow): Promise<boolean> {
    const batch = await this.store.batch(head.batch)
    const onChain = await this.onChainRoot(head.batch)
    if (!batch || !onChain) return false
    return included(leafHash(headLeaf(head.channelId, head.treeSize, bytesOf(head.root))), head.batchIndex, batch.heads, head.batchPath, onChain)
  }
}
