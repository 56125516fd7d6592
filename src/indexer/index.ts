/**
 * The chain indexer: contract events into the database tables of src/db.
 *
 * @example
 * import { Indexer } from './indexer/index.ts'
 * const indexer = new Indexer({ db, publicClient, deployment, logger })
 * indexer.start()
 * await indexer.stop()
 */
export {
  Indexer,
  type IndexerDeployment,
  type IndexerEvents,
  type IndexerParameters,
  type IndexerProgress,
  type IndexerReorg,
  type IndexerStatusReturnType,
  type RunOnceOptions,
  type RunOnceReturnType,
} from './Indexer.ts'
export type { IndexerLogger } from './logger.ts'
export { processors } from './processors/registry.ts'
export type { Processor, ProcessorContext, ProcessorRegistry } from './processors/types.ts'
export { indexedAbis, type ContractName, type EventName, type IndexedLog } from './contracts.ts'
