/**
 * Whole-trade supervision (SPEC.md section 4, src/supervision/README.md).
 *
 * Two kinds of tables:
 * - indexed from the `Supervision` contract's events (undone on reorganisations like every
 *   indexed table): `supervision_keys`, `supervision_channels`, `supervision_channel_events`;
 * - written by the node's supervision service (never by the indexer): the channel keys it
 *   wrapped, the records, the Merkle logs, the anchored heads and batches, the rejections and
 *   the producer's cursor. These are the "off-chain copies" that verification checks against
 *   the chain.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema

  // ─── indexed from the Supervision contract ───
  await s
    .createTable('supervision_keys')
    .addColumn('org', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull()) // 33-byte compressed secp256k1, 0x hex
    .addColumn('block_number', 'bigint', (c) => c.notNull())
    .addColumn('block_time', 'bigint', (c) => c.notNull())
    .execute()
  await s
    .createTable('supervision_channels')
    .addColumn('channel_id', 'text', (c) => c.primaryKey()) // uint256 as 0x hex (= trade id)
    .addColumn('kind', 'integer', (c) => c.notNull()) // 1 DePlSu, 2 DePlPrSu, 3 DePlSePrSu
    .addColumn('members', 'text', (c) => c.notNull()) // JSON array of member orgs in role order
    .addColumn('supervisors', 'text', (c) => c.notNull()) // JSON array, joins appended
    .addColumn('opened_block', 'bigint', (c) => c.notNull())
    .addColumn('opened_tx', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .execute()
  await s
    .createTable('supervision_channel_events')
    .addColumn('block_number', 'bigint', (c) => c.notNull())
    .addColumn('log_index', 'integer', (c) => c.notNull())
    .addColumn('tx_hash', 'text', (c) => c.notNull())
    .addColumn('block_time', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull()) // ChannelOpened | SupervisorJoined | OversightChanged | HeadsCommitted | EncryptionKeyPublished
    .addColumn('channel_id', 'text')
    .addColumn('org', 'text')
    .addColumn('args', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supervision_channel_events_pk', ['block_number', 'log_index'])
    .execute()
  await s.createIndex('supervision_channel_events_by_channel').on('supervision_channel_events').columns(['channel_id', 'block_number', 'log_index']).execute()

  // ─── written by the node's supervision service ───
  await s
    .createTable('supervision_channel_keys')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull()) // demander | platform | server | provider | supervisor
    .addColumn('wrapped_key', 'text', (c) => c.notNull()) // channel key wrapped to the org's published key, 0x hex
    .addColumn('recipient_key', 'text', (c) => c.notNull()) // the org public key it was wrapped to
    .addColumn('producer_key', 'text', (c) => c.notNull()) // the producer's public key (the other half of the ECDH)
    .addPrimaryKeyConstraint('supervision_channel_keys_pk', ['channel_id', 'org'])
    .execute()
  await s
    .createTable('supervision_records')
    .addColumn('record_id', 'text', (c) => c.primaryKey()) // 0x hex, 32 bytes
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull()) // position in the channel's log
    .addColumn('link', 'text', (c) => c.notNull()) // access | match | implementation | settlement | service
    .addColumn('public_fields', 'text', (c) => c.notNull()) // canonical JSON
    .addColumn('private_ciphertext', 'text', (c) => c.notNull()) // 0x hex: iv || ciphertext || tag
    .addColumn('wrapped_record_key', 'text', (c) => c.notNull()) // 0x hex: record key under the channel key
    .addColumn('source', 'text', (c) => c.notNull()) // what produced it, e.g. "trade:0x…:match" (the record id derives from it)
    .addColumn('created_at', 'bigint', (c) => c.notNull()) // unix milliseconds
    .execute()
  await s.createIndex('supervision_records_by_channel').on('supervision_records').columns(['channel_id', 'seq']).execute()
  await s
    .createTable('supervision_leaves')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('leaf_index', 'integer', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supervision_leaves_pk', ['channel_id', 'leaf_index'])
    .execute()
  await s
    .createTable('supervision_heads')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('tree_size', 'integer', (c) => c.notNull())
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('batch', 'integer', (c) => c.notNull())
    .addColumn('batch_index', 'integer', (c) => c.notNull()) // leaf index of this head in the batch tree
    .addColumn('batch_path', 'text', (c) => c.notNull()) // JSON array of 0x hashes: inclusion path in the batch tree
    .addPrimaryKeyConstraint('supervision_heads_pk', ['channel_id', 'tree_size'])
    .execute()
  await s.createIndex('supervision_heads_by_batch').on('supervision_heads').columns(['batch', 'batch_index']).execute()
  await s
    .createTable('supervision_batches')
    .addColumn('batch', 'integer', (c) => c.primaryKey()) // the contract's batch number
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('heads', 'integer', (c) => c.notNull())
    .addColumn('records', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending (tx sent) | committed
    .addColumn('tx_hash', 'text')
    .addColumn('block_number', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull()) // unix ms, when the batch was cut
    .addColumn('committed_at', 'bigint') // unix ms, when the receipt arrived
    .execute()
  await s
    .createTable('supervision_rejections')
    .addColumn('id', 'text', (c) => c.primaryKey()) // 0x hash of source, link and rule: one rejection per cause
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('link', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('field', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('public_fields', 'text', (c) => c.notNull()) // what was submitted, public part only
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await s.createIndex('supervision_rejections_by_source').on('supervision_rejections').column('source').execute()
  await s.createIndex('supervision_rejections_by_channel').on('supervision_rejections').columns(['channel_id', 'created_at']).execute()
  await s
    .createTable('supervision_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'supervision_state', 'supervision_rejections', 'supervision_batches', 'supervision_heads', 'supervision_leaves',
    'supervision_records', 'supervision_channel_keys', 'supervision_channel_events', 'supervision_channels', 'supervision_keys',
  ]) await db.schema.dropTable(t).ifExists().execute()
}
