/**
 * Errors of the pricing domain. The price-parameter errors carry the name of the Solidity
 * custom error that DynamicPricing reverts with for the same input (`contractErrorName`),
 * so a caller can treat an off-chain rejection and an on-chain revert alike.
 */
import { BaseError } from '../errors/base.ts'

const docsPath = 'docs/pricing.md'

/** Names of the price-function errors declared in contracts/src/pricing/IDynamicPricing.sol. */
export type PricingContractErrorName =
  | 'PricingInvalidExponent'
  | 'PricingInvalidBalancePrice'
  | 'PricingVolatilityExceedsBalance'
  | 'PricingInvalidLogRatioBound'
  | 'PricingZeroSupply'

/** A price parameter the contract would refuse. */
export type PriceParameterName = 'k' | 'pBalance' | 'pVol' | 'logRatioBound' | 'demand' | 'supply'

/** Base of every price-function error: names the parameter and the matching contract error. */
export abstract class PricingParameterError extends BaseError {
  abstract readonly contractErrorName: PricingContractErrorName | undefined
  readonly parameter: PriceParameterName

  constructor(parameter: PriceParameterName, shortMessage: string, name: string) {
    super(shortMessage, { name, docsPath })
    this.parameter = parameter
  }
}

/**
 * k is not an odd integer in [1, 255].
 * @example new PricingInvalidExponentError({ k: 4 }).shortMessage // 'k must be an odd integer from 1 to 255, got 4.'
 */
export class PricingInvalidExponentError extends PricingParameterError {
  readonly contractErrorName = 'PricingInvalidExponent'
  constructor({ k }: { k: number }) {
    super('k', `k must be an odd integer from 1 to 255, got ${k}.`, 'PricingInvalidExponentError')
  }
}

/** p_balance is zero or above 2^127 - 1 base units. */
export class PricingInvalidBalancePriceError extends PricingParameterError {
  readonly contractErrorName = 'PricingInvalidBalancePrice'
  constructor({ pBalance }: { pBalance: bigint | number }) {
    super('pBalance', `p_balance must be positive and at most 2^127 - 1 base units, got ${amount(pBalance)}.`, 'PricingInvalidBalancePriceError')
  }
}

/** p_vol is larger than p_balance (the price could become negative). */
export class PricingVolatilityExceedsBalanceError extends PricingParameterError {
  readonly contractErrorName = 'PricingVolatilityExceedsBalance'
  constructor({ pVol, pBalance }: { pVol: bigint | number; pBalance: bigint | number }) {
    super('pVol', `p_vol must be between 0 and p_balance (${amount(pBalance)}), got ${amount(pVol)}.`, 'PricingVolatilityExceedsBalanceError')
  }
}

/** L is zero, negative, not finite or above 77 (log10 of 2^256). */
export class PricingInvalidLogRatioBoundError extends PricingParameterError {
  readonly contractErrorName = 'PricingInvalidLogRatioBound'
  constructor({ logRatioBound }: { logRatioBound: bigint | number | string }) {
    super('logRatioBound', `L (log10 of the largest expected ratio) must be above 0 and at most 77, got ${logRatioBound}.`, 'PricingInvalidLogRatioBoundError')
  }
}

/** Supply is zero, so R = demand / supply has no value. */
export class PricingZeroSupplyError extends PricingParameterError {
  readonly contractErrorName = 'PricingZeroSupply'
  constructor({ demand }: { demand: bigint | number }) {
    super('supply', `supply must be positive: R = demand / supply is undefined for zero supply (demand ${demand}).`, 'PricingZeroSupplyError')
  }
}

/** A quantity is negative, fractional where an integer is needed, or above 2^256 - 1. */
export class PricingInvalidQuantityError extends PricingParameterError {
  readonly contractErrorName = undefined
  constructor({ parameter, value }: { parameter: 'demand' | 'supply'; value: bigint | number }) {
    super(parameter, `${parameter} must be an integer from 0 to 2^256 - 1, got ${value}.`, 'PricingInvalidQuantityError')
  }
}

/** A simulator option is out of range; `option` is the option's name in SimulationParameters. */
export class SimulationParameterError extends BaseError {
  readonly option: string
  readonly reason: string
  constructor({ option, reason }: { option: string; reason: string }) {
    super(`${option}: ${reason}`, { name: 'SimulationParameterError', docsPath })
    this.option = option
    this.reason = reason
  }
}

/** A run meant to reproduce seed 001 missed one of its figures by more than the tolerance. */
export class SeedNotReproducedError extends BaseError {
  readonly exponents: number[]
  constructor({ exponents, tolerance }: { exponents: number[]; tolerance: number }) {
    super(`seed 001 not reproduced within ±${tolerance} round for k = ${exponents.join(', ')}.`, { name: 'SeedNotReproducedError', docsPath })
    this.exponents = exponents
  }
}

/** Token amounts: bigint values are base units (18 decimals), numbers are tokens. */
function amount(value: bigint | number): string {
  return typeof value === 'bigint' ? `${value} base units` : String(value)
}
