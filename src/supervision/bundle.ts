/**
 * Proof bundles: everything needed to verify one record offline, given only the batch roots
 * the chain committed (seed 002's algorithm 3, strengthened with Merkle proofs).
 *
 * The verifier recomputes the record's leaf from the record itself, walks its inclusion proof
 * up to the channel head, rebuilds the head's batch leaf from (channel, size, root), walks its
 * path up to the batch root, and compares that with the root committed on chain. No stored
 * hash or root is trusted: each is either recomputed or authenticated by the next step.
 * The API's verification and `bourse trace verify` run this same function.
 */
import { bytesToHex, type Hex } from 'viem'
import { z } from 'zod'
import { headLeaf, leafHash, verifyInclusion } from './merkle/index.ts'
import type { Link } from './links.ts'
import { recordLeafHash, type StoredRecord } from './record.ts'

export const BUNDLE_FORMAT = 'databourse/supervision-proof/v1'

export interface Check {
  name: 'record-hash' | 'channel-inclusion' | 'batch-inclusion' | 'on-chain-root'
  ok: boolean
  detail: string
}

export interface BundleVerification {
  ok: boolean
  recordId: Hex
  checks: Check[]
}

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'must be 0x and hex digits').transform((v) => v as Hex)
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/**
 * The shape of a bundle read from outside (a file, another party): field types only. Whether
 * its hashes and proofs hold is what {@link verifyBundle} decides, check by check.
 */
export const ProofBundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  chainId: z.number().int().positive(),
  /** The Supervision contract whose batch roots this bundle verifies against. */
  contract: hex,
  record: z.object({
    recordId: hex,
    channelId: hex.refine((s) => s.length > 2, 'must not be empty'),
    seq: size,
    link: z.string(),
    publicFields: z.string(),
    privateCiphertext: hex,
    wrappedRecordKey: hex,
    source: z.string(),
    createdAt: size,
  }),
  channel: z.object({ treeSize: size, root: hex, inclusionProof: z.array(hex) }),
  batch: z.object({ number: size, heads: size, index: size, path: z.array(hex), root: hex, txHash: hex.nullable() }),
})

/**
 * A proof bundle: the record (its channel id in 0x hex), the channel head's inclusion proof, and
 * the head's path to the batch root committed by `contract` on chain `chainId`. The type of
 * {@link ProofBundleSchema}, so the two never drift apart.
 */
export type ProofBundle = z.output<typeof ProofBundleSchema>

/**
 * A bundle from untrusted JSON, or an error naming the first field that is not what a bundle
 * holds (e.g. `record.channelId: must be 0x and hex digits`).
 */
export function parseBundle(value: unknown): { bundle: ProofBundle } | { error: string } {
  const parsed = ProofBundleSchema.safeParse(value)
  if (parsed.success) return { bundle: parsed.data }
  const issue = parsed.error.issues[0]!
  return { error: `${issue.path.join('.') || 'the bundle'}: ${issue.message}` }
}

/** The stored record a bundle carries (a link outside the five fails its record-hash check, never this conversion). */
export const bundleRecord = (b: ProofBundle): StoredRecord => ({ ...b.record, link: b.record.link as Link, channelId: BigInt(b.record.channelId) })

/**
 * Channel heads already proven to be in their batch root, kept by a verifier that checks many
 * records of the same heads (the node's API). The key is every input of that proof — batch,
 * position, size, channel, head root, path and batch root, exactly as given — so a memoised
 * answer is the answer the hashing would give: a changed head, path or root is another key
 * and is proven from scratch. Bounded: the oldest entries go first.
 */
export class ProvenHeads {
  readonly #proven = new Set<string>()

  constructor(readonly capacity = 20_000) {}

  /** The inputs as JSON: unambiguous whatever the (untrusted) strings hold, unlike a join. */
  static keyOf(b: ProofBundle): string {
    return JSON.stringify([b.batch.number, b.batch.heads, b.batch.index, b.record.channelId, b.channel.treeSize, b.channel.root, b.batch.root, b.batch.path])
  }

  has(key: string): boolean {
    return this.#proven.has(key)
  }

  add(key: string): void {
    if (this.#proven.size >= this.capacity) this.#proven.delete(this.#proven.values().next().value!)
    this.#proven.add(key)
  }
}

/**
 * Verifies a bundle against the chain's committed root of its batch (`undefined`: the chain
 * has no such batch). `expectedLeaf`, when given, is the leaf the log holds at the record's
 * position — comparing it with the recomputed one tells a tampered record from a forged proof.
 *
 * `provenHeads` lets a verifier of many records skip re-proving a head it already proved.
 *
 * @example
 * const v = verifyBundle(bundle, await supervision.batchRoot(bundle.batch.number))
 * if (!v.ok) console.log(v.checks.filter((c) => !c.ok))
 */
export function verifyBundle(b: ProofBundle, onChainRoot: Hex | undefined, expectedLeaf?: Hex, provenHeads?: ProvenHeads): BundleVerification {
  const checks: Check[] = []
  const record = bundleRecord(b)
  const leaf = recordLeafHash(record)
  const leafHex = bytesToHex(leaf)
  if (expectedLeaf !== undefined) {
    const same = expectedLeaf.toLowerCase() === leafHex
    checks.push({
      name: 'record-hash',
      ok: same,
      detail: same ? `record hash ${leafHex} equals the anchored leaf ${record.seq}` : `the record was modified: its hash is ${leafHex}, the anchored leaf ${record.seq} is ${expectedLeaf}`,
    })
  }
  const channelOk = included(leaf, b.record.seq, b.channel.treeSize, b.channel.inclusionProof, b.channel.root)
  checks.push({
    name: 'channel-inclusion',
    ok: channelOk,
    detail: channelOk
      ? `leaf ${record.seq} is in the channel's log of size ${b.channel.treeSize} with root ${b.channel.root}`
      : `the record's hash and inclusion proof do not lead to the channel root ${b.channel.root} at size ${b.channel.treeSize}`,
  })
  const batchOk = headIncluded(b, record.channelId, provenHeads)
  checks.push({
    name: 'batch-inclusion',
    ok: batchOk,
    detail: batchOk ? `the channel head is leaf ${b.batch.index} of batch ${b.batch.number} (${b.batch.heads} heads)` : `the channel head does not lead to batch ${b.batch.number}'s root ${b.batch.root}`,
  })
  const chainOk = batchOk && onChainRoot !== undefined && onChainRoot.toLowerCase() === b.batch.root.toLowerCase()
  checks.push({
    name: 'on-chain-root',
    ok: chainOk,
    detail:
      onChainRoot === undefined
        ? `the chain has no batch ${b.batch.number}`
        : chainOk
          ? `batch ${b.batch.number}'s root ${onChainRoot} is the one committed on chain`
          : `the chain committed ${onChainRoot} for batch ${b.batch.number}; the proof ${batchOk ? `leads to ${b.batch.root}` : 'is broken before it'}`,
  })
  return { ok: checks.every((c) => c.ok), recordId: record.recordId, checks }
}

/** Whether the bundle's channel head is in its batch root by its path (memoised in `proven` when given). */
function headIncluded(b: ProofBundle, channelId: bigint, proven: ProvenHeads | undefined): boolean {
  const key = proven ? ProvenHeads.keyOf(b) : ''
  if (proven?.has(key)) return true
  let headHash: Uint8Array
  try {
    headHash = leafHash(headLeaf(channelId, b.channel.treeSize, bytesOf(b.channel.root)))
  } catch {
    return false // a size or root no head can have
  }
  const ok = included(headHash, b.batch.index, b.batch.heads, b.batch.path, b.batch.root)
  if (ok) proven?.add(key)
  return ok
}

/** Whether `leaf` at `index` of a tree of `treeSize` leads to `root` by `proof`; malformed input is no proof. */
export function included(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Hex[], root: Hex): boolean {
  try {
    return verifyInclusion({ leafHash: leaf, index, treeSize, proof: proof.map((p) => bytesOf(p)), root: bytesOf(root) })
  } catch {
    return false // malformed sizes or hashes: not a proof
  }
}

/** 0x hex to bytes without validation beyond Buffer's (stored and bundled hashes are ours to check, not to trust). */
export function bytesOf(hex: string): Uint8Array {
  return Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex')
}
