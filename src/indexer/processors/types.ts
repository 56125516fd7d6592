/**
 * What a processor is: one async function per contract event that turns the decoded log into
 * rows through the transaction's {@link ChangeWriter}.
 */
import type { HexText } from '../../db/schema.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import type { ContractName, EventName, IndexedLog } from '../contracts.ts'

/** What every processor gets besides its log. */
export interface ProcessorContext {
  /** Reads and writes of the current transaction (undo-logged). */
  readonly store: ChangeWriter
  /** The platform treasury (lower-case): credited with fees and the platform's forfeit share. */
  readonly treasury: HexText
}

/**
 * Indexes one event.
 *
 * @example
 * const withdrawn: Processor<'Marketplace', 'Withdrawn'> = async ({ store }, log) => {
 *   await adjustAccount(store, log.args.account, { available: -log.args.amount })
 * }
 */
export type Processor<C extends ContractName, E extends EventName<C>> = (ctx: ProcessorContext, log: IndexedLog<C, E>) => Promise<void>

/**
 * One entry per event of every indexed contract. `null` means the event is kept only in the
 * raw `events` table (nothing else derives from it); the type makes every event a decision.
 */
export type ProcessorRegistry = {
  readonly [C in ContractName]: { readonly [E in EventName<C>]: Processor<C, E> | null }
}
