/**
 * The `indexer_state` row: created on first use, checked against the deployment, and advanced
 * only by the process that read its current value (optimistic concurrency).
 */
import type { Kysely, Transaction } from 'kysely'
import type { Address, PublicClient } from 'viem'
import { MarketplaceAbi, SupervisionAbi } from '../contracts/generated.ts'
import type { Database, IndexerStateTable } from '../db/schema.ts'
import { IndexerConfigurationError, IndexerConflictError } from '../errors/db.ts'
import type { ChainReader } from './ChainReader.ts'
import type { ContractAddresses } from './contracts.ts'
import type { IndexerDeployment } from './Indexer.ts'

/** The state row of indexer `name` (it must exist). */
export function readIndexerState(db: Kysely<Database>, name: string): Promise<IndexerStateTable> {
  return db.selectFrom('indexer_state').selectAll().where('name', '=', name).executeTakeFirstOrThrow()
}

/** The JSON the state row keeps of the indexed contract addresses. */
export function contractsJson(contracts: ContractAddresses): string {
  return JSON.stringify(Object.fromEntries(Object.entries(contracts).map(([k, v]) => [k, v.toLowerCase()])))
}

/**
 * The state row of indexer `name`, created on first use: indexing starts at
 * `max(1, fromBlock)` (block 0 has no logs) with the block before it as the first known hash.
 *
 * A row written before the deployment had its Supervision contract (src/node/deployment.ts
 * adds one to older deployments) is taken over when the Supervision contract has no logs in
 * the blocks already indexed: nothing indexed misses its events, and indexing goes on.
 *
 * @throws {IndexerConfigurationError} the row belongs to another chain or deployment, or the deployment starts beyond the head
 */
export async function prepareIndexerState(p: {
  db: Kysely<Database>
  reader: ChainReader
  client: PublicClient
  name: string
  deployment: IndexerDeployment
  contracts: ContractAddresses
}): Promise<{ state: IndexerStateTable; created: boolean }> {
  const contracts = contractsJson(p.contracts)
  let existing = await p.db.selectFrom('indexer_state').selectAll().where('name', '=', p.name).executeTakeFirst()
  if (existing && existing.chain_id === p.deployment.chainId && existing.contracts !== contracts && (await supervisionAddedSafely(p.client, existing, p.contracts))) {
    await p.db.updateTable('indexer_state').set({ contracts }).where('name', '=', p.name).where('contracts', '=', existing.contracts).execute()
    existing = await p.db.selectFrom('indexer_state').selectAll().where('name', '=', p.name).executeTakeFirst()
  }
  if (existing) {
    if (existing.chain_id !== p.deployment.chainId || existing.contracts !== contracts) {
      throw new IndexerConfigurationError(`Indexer "${p.name}" of this database indexes chain ${existing.chain_id}, contracts ${existing.contracts}; not this deployment.`)
    }
    return { state: existing, created: false }
  }
  const start = Math.max(1, Number(p.deployment.fromBlock))
  const anchor = await p.reader.block(start - 1)
  if (!anchor) throw new IndexerConfigurationError(`The deployment starts at block ${start}, beyond the chain's head.`)
  const state: IndexerStateTable = {
    name: p.name,
    chain_id: p.deployment.chainId,
    contracts,
    from_block: start,
    last_block: start - 1,
    last_block_hash: anchor.hash,
    updated_at: Date.now(),
  }
  await p.db.transaction().execute(async (trx) => {
    await trx.insertInto('indexer_state').values(state).execute()
    await trx.insertInto('indexer_blocks').values({ block_number: anchor.number, block_hash: anchor.hash, block_time: anchor.timestamp, undoable: 0 }).execute()
  })
  return { state, created: true }
}

/**
 * Whether `state` indexes exactly `contracts` but the Supervision contract, and that contract
 * has no logs in the blocks the state has indexed.
 */
async function supervisionAddedSafely(client: PublicClient, state: IndexerStateTable, contracts: ContractAddresses): Promise<boolean> {
  const { Supervision: supervision, ...others } = contracts
  const recorded = JSON.parse(state.contracts) as Record<string, string>
  if ('Supervision' in recorded || contractsJson(others as ContractAddresses) !== state.contracts) return false
  if (state.last_block < state.from_block) return true
  const logs = await client.getLogs({ address: supervision, fromBlock: BigInt(state.from_block), toBlock: BigInt(state.last_block) })
  return logs.length === 0
}

/**
 * Checks the chain id, the Marketplace's `configuration()` and the Supervision contract's
 * against the deployment record.
 *
 * @throws {IndexerConfigurationError}
 */
export async function verifyDeployment(client: PublicClient, deployment: IndexerDeployment): Promise<void> {
  const chainId = await client.getChainId()
  if (chainId !== deployment.chainId) {
    throw new IndexerConfigurationError(`The chain's id is ${chainId}; the deployment is on chain ${deployment.chainId}.`)
  }
  const [credit, alliance, pricing, treasury] = await client.readContract({ address: deployment.marketplace, abi: MarketplaceAbi, functionName: 'configuration' })
  const pairs: Record<string, [Address, Address]> = {
    credit: [credit, deployment.credit],
    alliance: [alliance, deployment.alliance],
    pricing: [pricing, deployment.pricing],
    treasury: [treasury, deployment.treasury],
  }
  for (const [field, [onChain, recorded]] of Object.entries(pairs)) {
    if (onChain.toLowerCase() !== recorded.toLowerCase()) {
      throw new IndexerConfigurationError(`The marketplace's ${field} is ${onChain}; the deployment record says ${recorded}.`)
    }
  }
  const [supervisionAlliance, supervisionMarketplace] = await client
    .readContract({ address: deployment.supervision, abi: SupervisionAbi, functionName: 'configuration' })
    .catch((error: unknown) => {
      throw new IndexerConfigurationError(`The deployment record's supervision ${deployment.supervision} is not a Supervision contract on this chain.`, { cause: error as Error })
    })
  if (supervisionAlliance.toLowerCase() !== deployment.alliance.toLowerCase() || supervisionMarketplace.toLowerCase() !== deployment.marketplace.toLowerCase()) {
    throw new IndexerConfigurationError(`The Supervision contract ${deployment.supervision} belongs to alliance ${supervisionAlliance} and marketplace ${supervisionMarketplace}, not this deployment.`)
  }
}

/**
 * Moves the state row from `expected` to `next.last_block` — the first statement of every
 * indexer transaction: it locks the row (serialising writers) and proves nobody else advanced.
 *
 * @throws {IndexerConflictError}
 */
export async function claimState(trx: Transaction<Database>, name: string, expected: number, next: Pick<IndexerStateTable, 'last_block' | 'last_block_hash'>): Promise<void> {
  const claimed = await trx
    .updateTable('indexer_state')
    .set({ last_block: next.last_block, last_block_hash: next.last_block_hash, updated_at: Date.now() })
    .where('name', '=', name)
    .where('last_block', '=', expected)
    .executeTakeFirst()
  if (Number(claimed.numUpdatedRows) !== 1) {
    const found = await trx.selectFrom('indexer_state').select('last_block').where('name', '=', name).executeTakeFirst()
    throw new IndexerConflictError({ name, expected, found: found?.last_block })
  }
}

/** The newest stored block hash at or below `block`. */
export function storedBlockAtOrBelow(db: Kysely<Database>, block: number): Promise<{ block_number: number; block_hash: string } | undefined> {
  return db.selectFrom('indexer_blocks').select(['block_number', 'block_hash']).where('block_number', '<=', block).orderBy('block_number', 'desc').limit(1).executeTakeFirst()
}
