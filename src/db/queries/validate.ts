/** Checks of query parameters that every query module shares; failures name the field. */
import { isAddress } from 'viem'
import { QueryParameterError } from '../../errors/db.ts'
import { AMOUNT_DIGITS } from '../codec.ts'

/**
 * A lower-case address.
 * @throws {QueryParameterError}
 */
export function addressParam(field: string, value: string): string {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new QueryParameterError({ field, reason: 'must be a 0x-prefixed 20-byte address' })
  return value.toLowerCase()
}

/**
 * A uint32 (categories, rounds).
 * @throws {QueryParameterError}
 */
export function uint32Param(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new QueryParameterError({ field, reason: 'must be an integer from 0 to 4294967295' })
  return value
}

/**
 * A non-negative amount in base units that fits a uint256.
 * @throws {QueryParameterError}
 */
export function amountParam(field: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < 0n || value.toString().length > AMOUNT_DIGITS || value >= 2n ** 256n) {
    throw new QueryParameterError({ field, reason: 'must be a non-negative integer amount in base units below 2^256' })
  }
  return value
}

/**
 * One of `allowed`.
 * @throws {QueryParameterError}
 */
export function enumParam<const T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new QueryParameterError({ field, reason: `must be one of ${allowed.join(', ')}` })
  return value as T
}

/** An id that is a non-negative integer (listing ids, trade ids). */
export function idParam(field: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < 0n || value >= 2n ** 256n) throw new QueryParameterError({ field, reason: 'must be a non-negative integer below 2^256' })
  return value
}
