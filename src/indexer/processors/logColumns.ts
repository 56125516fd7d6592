/** The columns every row derived from one log carries (src/db/schema.ts `LogColumns`). */
import { lowerHex } from '../../db/codec.ts'
import type { LogColumns } from '../../db/schema.ts'
import type { IndexedLog } from '../contracts.ts'

/**
 * @example
 * store.append('key_events', { ...logColumns(log), org, role, role_name, key, event })
 */
export function logColumns(log: Pick<IndexedLog, 'blockNumber' | 'logIndex' | 'txHash' | 'blockTime'>): LogColumns {
  return { block_number: log.blockNumber, log_index: log.logIndex, tx_hash: lowerHex(log.txHash), block_time: log.blockTime }
}
