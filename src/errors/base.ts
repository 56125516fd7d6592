/**
 * The one error class every databourse error extends (modelled on viem `src/errors/base.ts`).
 *
 * `shortMessage` is the one-line human summary; `message` adds meta lines, a docs hint and
 * the details. Domain code throws subclasses (one per condition, grouped by domain in
 * `src/errors/<domain>.ts`); only the API layer maps them to HTTP statuses.
 *
 * Never put keys, mnemonics, passphrases, tokens or URL credentials in any field.
 *
 * @example
 * class FooNotFoundError extends BaseError {
 *   constructor({ id }: { id: string }) {
 *     super(`Foo "${id}" was not found.`, { name: 'FooNotFoundError', docsPath: 'src/foo/README.md' })
 *   }
 * }
 */

export type BaseErrorParameters = {
  /** The underlying error, kept as `cause` (its message becomes `details` when none is given). */
  cause?: BaseError | Error | undefined
  /** Technical detail for logs; never secret material. */
  details?: string | undefined
  /** Repository-relative path of the document that explains the error. */
  docsPath?: string | undefined
  /** Extra lines printed between the short message and the details. */
  metaMessages?: string[] | undefined
  /** The subclass name (`FooNotFoundError`). */
  name?: string | undefined
}

export type BaseErrorType = BaseError & { name: 'BaseError' }

export class BaseError extends Error {
  details: string | undefined
  docsPath: string | undefined
  metaMessages: string[] | undefined
  shortMessage: string

  override name = 'BaseError'

  constructor(shortMessage: string, args: BaseErrorParameters = {}) {
    const details =
      args.details ?? (args.cause instanceof BaseError ? args.cause.details : args.cause?.message) ?? undefined
    const docsPath = args.docsPath ?? (args.cause instanceof BaseError ? args.cause.docsPath : undefined)
    const message = [
      shortMessage || 'An error occurred.',
      ...(args.metaMessages?.length ? ['', ...args.metaMessages] : []),
      ...(docsPath || details ? [''] : []),
      ...(docsPath ? [`Docs: ${docsPath}`] : []),
      ...(details ? [`Details: ${details}`] : []),
    ].join('\n')

    super(message, args.cause ? { cause: args.cause } : undefined)

    this.details = details
    this.docsPath = docsPath
    this.metaMessages = args.metaMessages
    this.name = args.name ?? this.name
    this.shortMessage = shortMessage
  }

  /**
   * Follows the `cause` chain. Without `fn`, returns the innermost error; with `fn`, the first
   * error (starting with this one) for which `fn` returns true, or null.
   *
   * @example
   * const root = err.walk()
   * const io = err.walk((e) => e instanceof Error && 'code' in e)
   */
  walk(): Error
  walk(fn: (err: unknown) => boolean): Error | null
  walk(fn?: (err: unknown) => boolean): Error | null {
    return walk(this, fn) as Error | null
  }
}

function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err
  if (err && typeof err === 'object' && 'cause' in err && err.cause !== undefined) return walk(err.cause, fn)
  return fn ? null : err
}
