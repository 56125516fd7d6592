/**
 * Steps between validation and the datasets: each gets the columns once and then the valid
 * rows in batches, in file order, and returns what goes on — rows changed, left out, or
 * columns removed. Batches and a promise-returning `rows` let a step run elsewhere: the trusted
 * data gateway of issue 6 (de-identification inside an attested enclave, SPEC.md section 5)
 * plugs in here as one more step, with no change to reading, validating, splitting or uploading.
 */
import { UsageError } from '../errors/node.ts'

/** A valid row on its way to a dataset. */
export interface ImportRow {
  /** Line of the source file the row starts on. */
  line: number
  /** The dataset it goes to (decided on the validated source row, before any step). */
  dataset: string
  fields: string[]
}

export interface RowTransform {
  /** Shown in the import report, e.g. `drop-columns(CustomerID)`. */
  readonly name: string
  /** The columns after this step, given those before it; throws when it cannot apply to them. */
  columns(header: readonly string[]): string[]
  /** A batch of rows (each as long as the columns before this step) -> the rows after it. */
  rows(batch: ImportRow[]): ImportRow[] | Promise<ImportRow[]>
}

/**
 * Removes columns (e.g. a direct identifier a seller will not sell).
 *
 * @throws {UsageError} from `columns` when a named column is not in the header
 * @example
 * const step = dropColumns(['CustomerID'])
 * step.columns(['InvoiceNo', 'CustomerID']) // ['InvoiceNo']
 */
export function dropColumns(names: readonly string[]): RowTransform {
  let keep: number[] = []
  return {
    name: `drop-columns(${names.join(',')})`,
    columns(header) {
      const unknown = names.filter((n) => !header.includes(n))
      if (unknown.length > 0) throw new UsageError(`--drop-column: no column ${unknown.map((n) => `"${n}"`).join(', ')} (columns: ${header.join(', ')}).`)
      keep = header.map((_c, i) => i).filter((i) => !names.includes(header[i]!))
      return keep.map((i) => header[i]!)
    },
    rows(batch) {
      for (const row of batch) row.fields = keep.map((i) => row.fields[i]!)
      return batch
    },
  }
}
