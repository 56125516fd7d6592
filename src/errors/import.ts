/**
 * Errors of `bourse import` (src/import): a source that cannot be read as CSV text, a header
 * that does not fit the format, and a file with more bad rows than allowed. Each names the
 * file and what to do; none is raised after anything was uploaded.
 */
import { BaseError } from './base.ts'

const docsPath = 'src/import/README.md'

/**
 * The source is missing, not gzip although it says so, or not UTF-8 text.
 *
 * @example
 * throw new ImportSourceError({ path: 'orders.csv.gz', reason: 'the gzip stream is damaged' })
 */
export class ImportSourceError extends BaseError {
  readonly path: string
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: Error | undefined }) {
    super(`Cannot import ${path}: ${reason}.`, { name: 'ImportSourceError', docsPath, cause })
    this.path = path
  }
}

/**
 * The first line is not the header the format needs.
 *
 * @example
 * throw new ImportHeaderError({ path: 'orders.csv', format: 'online-retail', problem: 'missing Country' })
 */
export class ImportHeaderError extends BaseError {
  constructor({ path, format, problem }: { path: string; format: string; problem: string }) {
    super(`The header of ${path} does not fit the ${format} format: ${problem}.`, {
      name: 'ImportHeaderError',
      docsPath,
      details: 'Nothing was imported. Choose the format with --format (csv takes any header).',
    })
  }
}

/**
 * More rows failed validation than the import allows; nothing was uploaded.
 *
 * @example
 * throw new ImportRejectedError({ path, bad: 12, allowed: 0, first: [{ line: 7, reason: 'Quantity "x" is not an integer' }] })
 */
export class ImportRejectedError extends BaseError {
  readonly bad: number
  constructor({ path, bad, allowed, first }: { path: string; bad: number; allowed: number; first: readonly { line: number; reason: string }[] }) {
    super(`${path} has ${bad} bad row${bad === 1 ? '' : 's'}, more than the ${allowed} allowed; nothing was uploaded.`, {
      name: 'ImportRejectedError',
      docsPath,
      details: `${first.map((b) => `line ${b.line}: ${b.reason}`).join('; ')}${bad > first.length ? '; …' : ''}. Fix them, or allow them with --max-bad-rows (they are then left out).`,
    })
    this.bad = bad
  }
}
