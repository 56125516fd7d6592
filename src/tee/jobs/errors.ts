/**
 * Errors of the enclave jobs' pure computations (src/tee/jobs). Each names the precise reason;
 * none carries a customer id, a row's content beyond its column, or any other plaintext that
 * could leave the enclave in an error message.
 */
import { BaseError } from '../../errors/base.ts'

const docsPath = 'src/tee/jobs/README.md'

/**
 * An order row the builder cannot take (wrong field count, a number or date that does not
 * parse). The gateway validates rows with the importer's rules first, so this means a bug
 * upstream rather than bad data.
 *
 * @example
 * throw new OrderRowError({ row: 12, reason: 'Quantity is not an integer' })
 */
export class OrderRowError extends BaseError {
  readonly row: number
  readonly reason: string
  constructor({ row, reason }: { row: number; reason: string }) {
    super(`Order row ${row} cannot be added: ${reason}.`, { name: 'OrderRowError', docsPath })
    this.row = row
    this.reason = reason
  }
}

/**
 * Bytes that are not an encoded order table of a version this code reads (bad magic, unknown
 * version, lengths that do not add up, an index outside its dictionary).
 *
 * @example
 * throw new OrderTableFormatError({ reason: 'bad magic 0x00000000 (expected "DBOT")' })
 */
export class OrderTableFormatError extends BaseError {
  readonly reason: string
  constructor({ reason }: { reason: string }) {
    super(`Not a valid encoded order table: ${reason}.`, { name: 'OrderTableFormatError', docsPath })
    this.reason = reason
  }
}

/**
 * An audience overlap refused because a count would describe fewer than `minGroupSize`
 * customers: the buyer's (deduplicated) audience itself, or the overlap total.
 *
 * @example
 * throw new AudienceTooSmallError({ what: 'overlap', minGroupSize: 50 })
 */
export class AudienceTooSmallError extends BaseError {
  readonly what: 'audience' | 'overlap'
  readonly minGroupSize: number
  constructor({ what, minGroupSize }: { what: 'audience' | 'overlap'; minGroupSize: number }) {
    super(
      what === 'audience'
        ? `The audience has fewer than ${minGroupSize} distinct customers (the minimum group size).`
        : `The overlap is below the minimum group size of ${minGroupSize}; no count is released.`,
      { name: 'AudienceTooSmallError', docsPath },
    )
    this.what = what
    this.minGroupSize = minGroupSize
  }
}

/**
 * A job parameter outside what the job accepts (a minimum group size below 2, a horizon of
 * zero days, an unknown forecast member, a series too short for the lags, a malformed claimed
 * tag set).
 *
 * @example
 * throw new JobParameterError({ parameter: 'minGroupSize', reason: 'must be an integer >= 2, got 1' })
 */
export class JobParameterError extends BaseError {
  readonly parameter: string
  readonly reason: string
  constructor({ parameter, reason }: { parameter: string; reason: string }) {
    super(`Job parameter ${parameter} refused: ${reason}.`, { name: 'JobParameterError', docsPath })
    this.parameter = parameter
    this.reason = reason
  }
}

/** The ridge solver met a matrix that is not (numerically) symmetric positive definite. */
export class SingularSystemError extends BaseError {
  readonly pivot: number
  constructor({ pivot }: { pivot: number }) {
    super(`The normal equations are not positive definite (pivot ${pivot} <= 0).`, { name: 'SingularSystemError', docsPath })
    this.pivot = pivot
  }
}
