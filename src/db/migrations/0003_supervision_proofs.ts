/**
 * Supervision, stored inclusion proofs (databourse issue 5): verifying a record is the hot
 * read path, and recomputing its inclusion proof from the channel's whole log on every request
 * cost two more queries and a tree build. The anchorer now stores, for every record it
 * anchors, the record's inclusion proof in the channel head it was first anchored under (the
 * head's own proof in the batch tree is already in `supervision_heads.batch_path`). These
 * rows are a cache of values the verifier checks, never trusts: a tampered proof fails the
 * channel-inclusion check against the root committed on chain.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('supervision_proofs')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('leaf_index', 'integer', (c) => c.notNull()) // the record's position (= supervision_records.seq)
    .addColumn('tree_size', 'integer', (c) => c.notNull()) // the head it was first anchored under (supervision_heads key)
    .addColumn('batch', 'integer', (c) => c.notNull()) // that head's batch (dropped with it if it never lands)
    .addColumn('proof', 'text', (c) => c.notNull()) // RFC 9162 inclusion path, leaf level first: 0x + the hashes' hex one after the other (first written as a JSON array of 0x hashes; both are read, SupervisionStore.parseProof)
    .addPrimaryKeyConstraint('supervision_proofs_pk', ['channel_id', 'leaf_index'])
    .execute()
  await db.schema.createIndex('supervision_proofs_by_batch').on('supervision_proofs').column('batch').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('supervision_proofs').ifExists().execute()
}
