import { BaseError } from './base.ts'

/** No listing or trade with that id exists on this deployment. */
export class TradeNotFoundError extends BaseError {
  constructor({ kind, id, details }: { kind: 'listing' | 'trade'; id: bigint; details?: string }) {
    super(`No ${kind} ${kind === 'trade' ? `0x${id.toString(16)}` : id.toString()} on this deployment.`, {
      name: 'TradeNotFoundError',
      details,
    })
  }
}
