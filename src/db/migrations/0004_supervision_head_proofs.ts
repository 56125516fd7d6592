/**
 * Supervision, inclusion proofs stored per channel head instead of per record (databourse
 * issue 5). Migration 0003 gave every anchored record a `supervision_proofs` row: three B-tree
 * inserts per record on the write path, and as many rows built and sent to the writer by the
 * anchorer. A head already has a row; it now also carries the inclusion proofs of the records
 * first anchored under it, one fixed-width slot per record, so a verification still reads one
 * record's proof with one indexed lookup (SQL `substr` of its slot):
 *
 *   first_leaf   the first record position the head anchors (the previous head's size)
 *   proof_depth  hashes per slot: ceil(log2(tree_size)), the longest path in that tree
 *   leaf_proofs  bytes (BLOB, bytea): the slots of positions first_leaf .. tree_size-1, one
 *                after the other, each the record's RFC 9162 inclusion path (leaf level
 *                first, 32 bytes per hash) zero-padded to proof_depth hashes (a path's length
 *                follows from its position and the tree size, src/supervision/merkle
 *                `pathLength`)
 *
 * Bytes, not hex text like the other hashes: `substr` of a text value counts characters from
 * its start (UTF-8), ~14 µs for a head of 40 records' proofs, where a BLOB's is a byte offset.
 *
 * Rows written by 0003 are carried over into their heads, then the table goes. A head whose
 * proofs are incomplete (a row missing) keeps NULL columns: its records' proofs are then
 * recomputed from the log at verification, as for records anchored before 0003. As with
 * 0003's rows, these are a cache the verifier checks, never trusts.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely'
import { up as createPerRecordProofs } from './0003_supervision_proofs.ts'

/** Heads converted per round (their proof rows are read together). */
const HEADS_PER_ROUND = 500

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('supervision_heads').addColumn('first_leaf', 'integer').execute()
  await db.schema.alterTable('supervision_heads').addColumn('proof_depth', 'integer').execute()
  const bytes = db.getExecutor().adapter instanceof PostgresAdapter ? sql`bytea` : sql`blob`
  await db.schema.alterTable('supervision_heads').addColumn('leaf_proofs', bytes).execute()

  // Keyset pages over the heads that have proof rows, so a large log is never read at once.
  let after: { channel: string; size: number } | undefined
  for (;;) {
    let q = db.selectFrom('supervision_proofs').select(['channel_id', 'tree_size']).distinct().orderBy('channel_id').orderBy('tree_size').limit(HEADS_PER_ROUND)
    if (after) {
      const { channel, size } = after
      q = q.where((eb) => eb.or([eb('channel_id', '>', channel), eb.and([eb('channel_id', '=', channel), eb('tree_size', '>', size)])]))
    }
    const heads = (await q.execute()) as { channel_id: string; tree_size: number | string }[]
    if (heads.length === 0) break
    for (const head of heads) {
      const treeSize = Number(head.tree_size)
      const rows = (await db
        .selectFrom('supervision_proofs')
        .select(['leaf_index', 'proof'])
        .where('channel_id', '=', head.channel_id)
        .where('tree_size', '=', treeSize)
        .orderBy('leaf_index')
        .execute()) as { leaf_index: number | string; proof: string }[]
      const slots = headSlots(rows.map((r) => ({ index: Number(r.leaf_index), path: pathOf(r.proof) })), treeSize)
      if (slots) await db.updateTable('supervision_heads').set(slots).where('channel_id', '=', head.channel_id).where('tree_size', '=', treeSize).execute()
    }
    const last = heads[heads.length - 1]!
    after = { channel: last.channel_id, size: Number(last.tree_size) }
  }
  await db.schema.dropTable('supervision_proofs').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // The per-record table comes back as 0003 made it, empty: verification recomputes those proofs from the log.
  await createPerRecordProofs(db)
  for (const column of ['leaf_proofs', 'proof_depth', 'first_leaf']) await db.schema.alterTable('supervision_heads').dropColumn(column).execute()
}

/**
 * A head's three columns from its records' paths (hashes as hex, no 0x), or undefined unless they
 * cover consecutive positions up to the head's last, each of the length its position implies.
 * This migration's own copy of the format, as it was when written.
 */
function headSlots(proofs: { index: number; path: string[] | undefined }[], treeSize: number): { first_leaf: number; proof_depth: number; leaf_proofs: Buffer } | undefined {
  if (proofs.length === 0) return undefined
  const first = proofs[0]!.index
  if (first + proofs.length !== treeSize) return undefined
  let depth = 0
  while (2 ** depth < treeSize) depth++
  let text = ''
  for (let i = 0; i < proofs.length; i++) {
    const { index, path } = proofs[i]!
    if (index !== first + i || !path || path.length !== pathLength(index, treeSize)) return undefined
    text += path.join('') + '0'.repeat((depth - path.length) * 64)
  }
  return { first_leaf: first, proof_depth: depth, leaf_proofs: Buffer.from(text, 'hex') }
}

/** RFC 9162 PATH length of leaf `index` in a tree of `treeSize` leaves. */
function pathLength(index: number, treeSize: number): number {
  let length = 0
  for (let fn = index, sn = treeSize - 1; sn > 0; fn = Math.floor(fn / 2), sn = Math.floor(sn / 2)) if (fn % 2 === 1 || fn < sn) length++
  return length
}

/** A 0003 proof (`0x` + hashes' hex, or a JSON array of 0x hashes, its first format) as lowercase hashes without 0x; undefined if malformed. */
function pathOf(text: string): string[] | undefined {
  if (/^0x(?:[0-9a-fA-F]{64})*$/.test(text)) return text.slice(2).toLowerCase().match(/.{64}/g) ?? []
  try {
    const value: unknown = JSON.parse(text)
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^0x[0-9a-fA-F]{64}$/.test(v))) return undefined
    return (value as string[]).map((v) => v.slice(2).toLowerCase())
  } catch {
    return undefined
  }
}
