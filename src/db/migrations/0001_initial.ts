/**
 * The first schema: indexer bookkeeping, raw events, alliance, marketplace, credit token and
 * pricing tables with the indexes the API's queries use. Types are portable: `text`,
 * `integer` and `bigint` mean the same in SQLite and PostgreSQL; amounts are fixed-width
 * decimal text (src/db/codec.ts). The one dialect difference: search terms use the byte-order
 * "C" collation in PostgreSQL (SQLite's default BINARY collation is already byte order), so
 * prefix ranges `term >= 'ab' AND term < 'ac'` select the same rows in both.
 */
import { PostgresAdapter, sql, type CreateTableBuilder, type Kysely } from 'kysely'

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter

/** block_number, log_index, tx_hash, block_time and the (block_number, log_index) key. */
function logTable<T extends string>(db: Kysely<any>, name: T): CreateTableBuilder<T, 'block_number' | 'log_index' | 'tx_hash' | 'block_time'> {
  return db.schema
    .createTable(name)
    .addColumn('block_number', 'bigint', (c) => c.notNull())
    .addColumn('log_index', 'integer', (c) => c.notNull())
    .addColumn('tx_hash', 'text', (c) => c.notNull())
    .addColumn('block_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, ['block_number', 'log_index'])
}

export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema

  // ─── indexer bookkeeping ───
  await s
    .createTable('indexer_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('chain_id', 'integer', (c) => c.notNull())
    .addColumn('contracts', 'text', (c) => c.notNull())
    .addColumn('from_block', 'bigint', (c) => c.notNull())
    .addColumn('last_block', 'bigint', (c) => c.notNull())
    .addColumn('last_block_hash', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await s
    .createTable('indexer_blocks')
    .addColumn('block_number', 'bigint', (c) => c.primaryKey())
    .addColumn('block_hash', 'text', (c) => c.notNull())
    .addColumn('block_time', 'bigint', (c) => c.notNull())
    .addColumn('undoable', 'integer', (c) => c.notNull())
    .execute()
  await s
    .createTable('indexer_undo')
    .addColumn('block_number', 'bigint', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('row_key', 'text', (c) => c.notNull())
    .addColumn('previous', 'text')
    .addPrimaryKeyConstraint('indexer_undo_pk', ['block_number', 'seq'])
    .execute()

  await logTable(db, 'events')
    .addColumn('contract', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .execute()
  await s.createIndex('events_by_name').on('events').columns(['contract', 'event', 'block_number']).execute()
  await s.createIndex('events_by_tx').on('events').column('tx_hash').execute()

  // ─── alliance ───
  await s
    .createTable('members')
    .addColumn('org', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('roles_mask', 'integer', (c) => c.notNull())
    .addColumn('applied_block', 'bigint', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addColumn('admitted_by', 'text')
    .addColumn('admitted_at', 'bigint')
    .addColumn('suspended_by', 'text')
    .addColumn('suspended_reason', 'text')
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await s.createIndex('members_by_status').on('members').columns(['status', 'org']).execute()

  await logTable(db, 'member_events')
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('supervisor', 'text')
    .addColumn('reason', 'text')
    .addColumn('roles_mask', 'integer')
    .execute()
  await s.createIndex('member_events_by_org').on('member_events').columns(['org', 'block_number', 'log_index']).execute()

  await s
    .createTable('keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('role', 'integer', (c) => c.notNull())
    .addColumn('role_name', 'text', (c) => c.notNull())
    .addColumn('bound', 'integer', (c) => c.notNull())
    .addColumn('bound_block', 'bigint', (c) => c.notNull())
    .addColumn('bound_at', 'bigint', (c) => c.notNull())
    .addColumn('unbound_block', 'bigint')
    .addColumn('unbound_at', 'bigint')
    .execute()
  await s.createIndex('keys_by_org').on('keys').columns(['org', 'role']).execute()

  await logTable(db, 'key_events')
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('role', 'integer', (c) => c.notNull())
    .addColumn('role_name', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .execute()
  await s.createIndex('key_events_by_org').on('key_events').columns(['org', 'block_number', 'log_index']).execute()
  await s.createIndex('key_events_by_key').on('key_events').columns(['key', 'block_number', 'log_index']).execute()

  // ─── marketplace ───
  await s
    .createTable('listings')
    .addColumn('listing_id', 'bigint', (c) => c.primaryKey())
    .addColumn('seller', 'text', (c) => c.notNull())
    .addColumn('seller_org', 'text')
    .addColumn('category', 'bigint', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('storage_provider', 'text', (c) => c.notNull())
    .addColumn('arbitrator', 'text', (c) => c.notNull())
    .addColumn('min_price', 'text', (c) => c.notNull())
    .addColumn('buyer_deposit', 'text', (c) => c.notNull())
    .addColumn('seller_deposit', 'text', (c) => c.notNull())
    .addColumn('standing_deposit', 'text', (c) => c.notNull())
    .addColumn('standing', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('requires_acceptance', 'integer', (c) => c.notNull())
    .addColumn('data_type', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('sample_uri', 'text', (c) => c.notNull())
    .addColumn('closed', 'integer', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('release_time', 'bigint')
    .addColumn('released', 'integer', (c) => c.notNull())
    .addColumn('trade_count', 'integer', (c) => c.notNull())
    .addColumn('listed_block', 'bigint', (c) => c.notNull())
    .addColumn('listed_log_index', 'integer', (c) => c.notNull())
    .addColumn('listed_at', 'bigint', (c) => c.notNull())
    .addColumn('listed_tx', 'text', (c) => c.notNull())
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .execute()
  // Search: each filter has an index ending in the pagination key.
  await s.createIndex('listings_by_closed').on('listings').columns(['closed', 'listing_id']).execute()
  await s.createIndex('listings_by_category').on('listings').columns(['category', 'closed', 'listing_id']).execute()
  await s.createIndex('listings_by_seller').on('listings').columns(['seller', 'listing_id']).execute()
  await s.createIndex('listings_by_seller_org').on('listings').columns(['seller_org', 'listing_id']).execute()
  await s.createIndex('listings_by_data_type').on('listings').columns(['data_type', 'listing_id']).execute()
  await s.createIndex('listings_by_price').on('listings').columns(['closed', 'min_price', 'listing_id']).execute()
  await s.createIndex('listings_by_category_price').on('listings').columns(['category', 'closed', 'min_price', 'listing_id']).execute()

  await s
    .createTable('listing_terms')
    .addColumn('term', 'text', (c) => (isPostgres(db) ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
    .addColumn('listing_id', 'bigint', (c) => c.notNull())
    .addColumn('block_number', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('listing_terms_pk', ['term', 'listing_id'])
    .execute()
  await s.createIndex('listing_terms_by_block').on('listing_terms').columns(['block_number']).execute()

  await s
    .createTable('trades')
    .addColumn('trade_id', 'text', (c) => c.primaryKey())
    .addColumn('listing_id', 'bigint', (c) => c.notNull())
    .addColumn('buyer', 'text', (c) => c.notNull())
    .addColumn('seller', 'text', (c) => c.notNull())
    .addColumn('storage_provider', 'text', (c) => c.notNull())
    .addColumn('arbitrator', 'text', (c) => c.notNull())
    .addColumn('price', 'text', (c) => c.notNull())
    .addColumn('buyer_deposit', 'text', (c) => c.notNull())
    .addColumn('seller_deposit', 'text', (c) => c.notNull())
    .addColumn('category', 'bigint', (c) => c.notNull())
    .addColumn('round', 'bigint', (c) => c.notNull())
    .addColumn('state', 'integer', (c) => c.notNull())
    .addColumn('state_name', 'text', (c) => c.notNull())
    .addColumn('seller_deposit_source', 'integer', (c) => c.notNull())
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('token_commitment', 'text', (c) => c.notNull())
    .addColumn('max_price', 'text', (c) => c.notNull())
    .addColumn('open', 'integer', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('seller_payout', 'text')
    .addColumn('platform_fee', 'text')
    .addColumn('buyer_refund', 'text')
    .addColumn('opened_block', 'bigint', (c) => c.notNull())
    .addColumn('opened_log_index', 'integer', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('opened_tx', 'text', (c) => c.notNull())
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_block', 'bigint')
    .addColumn('closed_at', 'bigint')
    .execute()
  // History queries page by (opened_block, opened_log_index) per participant.
  for (const column of ['buyer', 'seller', 'storage_provider', 'arbitrator', 'listing_id', 'state_name']) {
    await s.createIndex(`trades_by_${column}`).on('trades').columns([column, 'opened_block', 'opened_log_index']).execute()
  }
  await s.createIndex('trades_by_opened').on('trades').columns(['opened_block', 'opened_log_index']).execute()

  await logTable(db, 'trade_events')
    .addColumn('trade_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('state', 'integer', (c) => c.notNull())
    .addColumn('state_name', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .execute()
  await s.createIndex('trade_events_by_trade').on('trade_events').columns(['trade_id', 'block_number', 'log_index']).execute()

  await s
    .createTable('disputes')
    .addColumn('trade_id', 'text', (c) => c.primaryKey())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('arbitrator', 'text', (c) => c.notNull())
    .addColumn('opened_block', 'bigint', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('decided', 'integer', (c) => c.notNull())
    .addColumn('buyer_right', 'integer')
    .addColumn('decided_block', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('resolution', 'text')
    .execute()
  await s.createIndex('disputes_by_arbitrator').on('disputes').columns(['arbitrator', 'decided', 'opened_block']).execute()

  await logTable(db, 'deposit_forfeitures')
    .addColumn('trade_id', 'text', (c) => c.notNull())
    .addColumn('from_account', 'text', (c) => c.notNull())
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('counterparty', 'text', (c) => c.notNull())
    .addColumn('to_counterparty', 'text', (c) => c.notNull())
    .addColumn('arbitrator', 'text', (c) => c.notNull())
    .addColumn('to_arbitrator', 'text', (c) => c.notNull())
    .addColumn('storage_provider', 'text', (c) => c.notNull())
    .addColumn('to_storage_provider', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('to_platform', 'text', (c) => c.notNull())
    .execute()
  await s.createIndex('deposit_forfeitures_by_trade').on('deposit_forfeitures').columns(['trade_id']).execute()
  await s.createIndex('deposit_forfeitures_by_from').on('deposit_forfeitures').columns(['from_account', 'block_number']).execute()

  await s
    .createTable('accounts')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('available', 'text', (c) => c.notNull())
    .addColumn('locked', 'text', (c) => c.notNull())
    .addColumn('orders', 'bigint', (c) => c.notNull())
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .execute()

  // ─── credit token ───
  await s
    .createTable('credit_balances')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('balance', 'text', (c) => c.notNull())
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .execute()
  await logTable(db, 'credit_transfers')
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
  await s.createIndex('credit_transfers_by_from').on('credit_transfers').columns(['from_address', 'block_number']).execute()
  await s.createIndex('credit_transfers_by_to').on('credit_transfers').columns(['to_address', 'block_number']).execute()

  // ─── pricing ───
  await s
    .createTable('pricing_categories')
    .addColumn('category', 'bigint', (c) => c.primaryKey())
    .addColumn('p_balance', 'text')
    .addColumn('p_vol', 'text')
    .addColumn('k', 'integer')
    .addColumn('log_ratio_bound', 'text')
    .addColumn('round_length', 'bigint')
    .addColumn('current_round', 'bigint')
    .addColumn('ends_at', 'bigint')
    .addColumn('supply', 'text', (c) => c.notNull())
    .addColumn('demand', 'text', (c) => c.notNull())
    .addColumn('configured_block', 'bigint')
    .addColumn('updated_block', 'bigint', (c) => c.notNull())
    .execute()
  await s
    .createTable('pricing_rounds')
    .addColumn('category', 'bigint', (c) => c.notNull())
    .addColumn('round', 'bigint', (c) => c.notNull())
    .addColumn('price', 'text', (c) => c.notNull())
    .addColumn('prev_demand', 'text')
    .addColumn('prev_supply', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('demand', 'text', (c) => c.notNull())
    .addColumn('trade_count', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('opened_block', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pricing_rounds_pk', ['category', 'round'])
    .execute()
  await logTable(db, 'pricing_events')
    .addColumn('category', 'bigint', (c) => c.notNull())
    .addColumn('round', 'bigint')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text')
    .addColumn('total', 'text', (c) => c.notNull())
    .addColumn('price', 'text')
    .execute()
  await s.createIndex('pricing_events_by_category').on('pricing_events').columns(['category', 'block_number', 'log_index']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'pricing_events',
    'pricing_rounds',
    'pricing_categories',
    'credit_transfers',
    'credit_balances',
    'accounts',
    'deposit_forfeitures',
    'disputes',
    'trade_events',
    'trades',
    'listing_terms',
    'listings',
    'key_events',
    'keys',
    'member_events',
    'members',
    'events',
    'indexer_undo',
    'indexer_blocks',
    'indexer_state',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
