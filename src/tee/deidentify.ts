/**
 * De-identification as an import step (the trusted data gateway plugged into `bourse import`,
 * src/import/transforms.ts): the named direct-identifier columns are replaced by the owner's
 * keyed-hash pseudonyms (src/tee/pseudonym.ts), so a dataset sold or uploaded keeps its
 * per-customer structure (RFM, cohorts) without any customer id in it — and stays joinable
 * with the owner's enclave datasets, which use the same key.
 */
import { UsageError } from '../errors/node.ts'
import type { RowTransform } from '../import/transforms.ts'
import { pseudonymiser } from './pseudonym.ts'

/**
 * @throws {UsageError} from `columns` when a named column is not in the header
 * @example
 * const step = pseudonymiseColumns(['CustomerID'], ownerKeys.getOrCreate(PSEUDONYM_KEY_ID))
 */
export function pseudonymiseColumns(names: readonly string[], key: Uint8Array): RowTransform {
  const pseudonym = pseudonymiser(key)
  let indexes: number[] = []
  return {
    name: `pseudonymise(${names.join(',')})`,
    columns(header) {
      const unknown = names.filter((n) => !header.includes(n))
      if (unknown.length > 0) throw new UsageError(`--pseudonymise: no column ${unknown.map((n) => `"${n}"`).join(', ')} (columns: ${header.join(', ')}).`)
      indexes = names.map((n) => header.indexOf(n))
      return [...header]
    },
    rows(batch) {
      for (const row of batch) for (const i of indexes) row.fields[i] = pseudonym(row.fields[i]!)
      return batch
    },
  }
}
