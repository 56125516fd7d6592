/**
 * Errors of contract calls: a revert decoded into the contract's named custom error with
 * its arguments, and a mined transaction that failed.
 */
import { BaseError as ViemBaseError, ContractFunctionRevertedError, type Hash } from 'viem'
import { BaseError } from './base.ts'

/** A contract refused a call with one of its named custom errors (or a plain reason). */
export class ContractRevertError extends BaseError {
  /** The Solidity error's name, e.g. `MarketplacePriceAboveMax`. */
  readonly errorName: string
  /** The error's arguments by name. */
  readonly errorArgs: Record<string, unknown>
  readonly functionName: string | undefined

  constructor({ errorName, errorArgs, functionName, cause }: { errorName: string; errorArgs: Record<string, unknown>; functionName?: string; cause?: Error }) {
    const args = Object.entries(errorArgs).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')
    super(`${functionName ? `${functionName}: ` : ''}${errorName}(${args})`, {
      name: 'ContractRevertError',
      cause,
      details: explain(errorName),
      docsPath: 'contracts/README.md',
    })
    this.errorName = errorName
    this.errorArgs = errorArgs
    this.functionName = functionName
  }
}

/** A transaction was mined but reverted (its revert data is not in the receipt). */
export class TransactionRevertedError extends BaseError {
  readonly hash: Hash
  constructor({ hash, gasUsed }: { hash: Hash; gasUsed: bigint }) {
    super(`Transaction ${hash} reverted (gas used ${gasUsed}).`, { name: 'TransactionRevertedError' })
    this.hash = hash
  }
}

/**
 * Turns any error from a viem contract call into a {@link ContractRevertError} when it
 * carries a decoded revert; returns other errors unchanged.
 */
export function decodeContractError(error: unknown, functionName?: string): unknown {
  if (!(error instanceof ViemBaseError)) return error
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
  if (!revert) return error
  const name = revert.data?.errorName ?? (revert.reason ? 'Error' : 'UnknownRevert')
  const values = (revert.data?.args ?? (revert.reason ? [revert.reason] : [])) as readonly unknown[]
  const inputs = revert.data?.abiItem && 'inputs' in revert.data.abiItem ? revert.data.abiItem.inputs : []
  const errorArgs: Record<string, unknown> = {}
  values.forEach((v, i) => { errorArgs[inputs[i]?.name || `arg${i}`] = v })
  return new ContractRevertError({ errorName: name, errorArgs, functionName, cause: error })
}

function formatValue(v: unknown): string {
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'string') return v
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
}

/** One sentence per refusal, in words a user understands. */
const explanations: Record<string, string> = {
  MarketplaceNotActiveMember: 'The key is not bound to that role of an admitted, unsuspended organisation.',
  MarketplaceZeroAmount: 'The amount must be greater than zero.',
  MarketplaceAmountTooLarge: 'The amount does not fit the contract\'s balance range.',
  MarketplaceInsufficientBalance: 'The available internal balance is smaller than the amount.',
  MarketplaceInvalidListing: 'A listing field is missing or not allowed (the field is named).',
  MarketplaceListingNotFound: 'No listing has that id.',
  MarketplaceListingClosed: 'The listing is closed to new orders.',
  MarketplaceListingStillBacking: 'The standing deposit still backs trades until the release time.',
  MarketplaceNotSeller: 'Only the listing\'s seller key may do this.',
  MarketplaceStandingDepositTooLow: 'The listing\'s standing deposit does not cover a seller deposit.',
  MarketplaceSelfTrade: 'An organisation cannot buy its own listing.',
  MarketplacePriceAboveMax: 'The current round price is above the maximum price you set.',
  MarketplacePriceBelowMinimum: 'The current round price is below the seller\'s minimum price.',
  MarketplaceEmptyTokenCommitment: 'The download-token commitment must not be zero.',
  MarketplaceTradeMismatch: 'The trade record does not match the chain (unknown trade or stale copy).',
  MarketplaceWrongState: 'The trade is not in a state that allows this action.',
  MarketplaceUnauthorized: 'This key plays no part in the trade that allows this action.',
  MarketplaceDeadlinePassed: 'The deadline for this action has passed; the trade can now be resolved by time-out.',
  MarketplaceDeadlineNotReached: 'The trade has not timed out yet.',
  AllianceNotSupervisor: 'Only an active supervisor key may do this.',
  AllianceAlreadyApplied: 'This organisation has already applied.',
  AllianceInvalidStatus: 'The organisation is not in a status that allows this.',
  AllianceRoleNotGranted: 'The organisation does not hold that role.',
  AllianceKeyAlreadyBound: 'That key is already bound to an organisation.',
  AllianceSelfAdmission: 'A supervisor cannot admit or suspend its own organisation.',
  AllianceRoleConflict: 'An arbitrator organisation cannot also be a seller or buyer.',
  PricingCategoryNotConfigured: 'No price is configured for that data category; governance configures categories (see `bourse pricing rounds`).',
  PricingNotPlatform: 'Only an active platform key may open a pricing round.',
  PricingRoundNotEnded: 'The pricing round has not ended yet.',
  SupervisionNotMember: 'Only the administrative address of an organisation that applied or was admitted may publish its encryption key.',
  SupervisionInvalidEncryptionKey: 'The encryption key must be a 33-byte compressed secp256k1 public key (0x02/0x03 prefix, a point on the curve).',
  SupervisionNotSupervisor: 'Only an active supervisor key may do this.',
  SupervisionNotPlatform: 'Only an active platform key may open supervision channels or commit batch roots.',
  SupervisionOversightUnchanged: 'The supervisor organisation already oversees (or already does not oversee) every new channel.',
  SupervisionTooManyOverseers: 'The list of supervisors overseeing every channel is full.',
  SupervisionOverseerStillActive: 'That overseer is still an admitted supervisor organisation; only it can stop overseeing.',
  SupervisionNoChannels: 'Give at least one channel to open.',
  SupervisionChannelExists: 'A supervision channel with that id is already open.',
  SupervisionChannelNotFound: 'No supervision channel with that id has been opened.',
  SupervisionInvalidKind: 'The channel kind must be DePlSu, DePlPrSu or DePlSePrSu.',
  SupervisionMemberCount: 'The channel kind needs a different number of member organisations (2, 3 or 4).',
  SupervisionDuplicateMember: 'An organisation appears twice among the channel\'s members.',
  SupervisionMemberNotAdmitted: 'Every channel member must be an admitted (not applied, not suspended) organisation.',
  SupervisionNotChannelPlatform: 'The channel\'s second member must be the organisation of the platform key opening it.',
  SupervisionZeroRoot: 'The batch root must not be zero.',
  SupervisionNoHeads: 'A batch commits at least one channel head.',
  SupervisionFewerRecordsThanHeads: 'Each channel head in a batch covers at least one new record.',
  ERC20InsufficientAllowance: 'The token allowance given to the marketplace is too small.',
  ERC20InsufficientBalance: 'The token balance is too small.',
}

function explain(errorName: string): string | undefined {
  return explanations[errorName]
}
