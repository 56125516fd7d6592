/**
 * How chain values are stored in portable SQL columns, and back.
 *
 * Amounts are decimal text padded with zeros to 78 digits (enough for any uint256), so that
 * comparing two amounts as text — in SQLite and PostgreSQL alike — compares them as numbers,
 * and a B-tree index on the column serves range filters and ordering. A negative value (only
 * ever transient inside one indexer transaction) is written as '-' followed by the padded
 * magnitude.
 */
import { getAddress, type Address, type Hex } from 'viem'
import type { AmountText, Flag, HexText } from './schema.ts'

/** Digits of the largest uint256 (2^256 - 1 has 78). */
export const AMOUNT_DIGITS = 78

/**
 * @example
 * encodeAmount(150n) // '000…000150' (78 characters)
 */
export function encodeAmount(value: bigint): AmountText {
  if (value < 0n) return `-${(-value).toString().padStart(AMOUNT_DIGITS, '0')}`
  return value.toString().padStart(AMOUNT_DIGITS, '0')
}

/**
 * @example
 * decodeAmount(encodeAmount(150n)) // 150n
 */
export function decodeAmount(text: AmountText): bigint {
  return BigInt(text)
}

/** {@link decodeAmount} that passes null through. */
export function decodeOptionalAmount(text: AmountText | null): bigint | null {
  return text === null ? null : BigInt(text)
}

/**
 * Lower-case form of an address or hash, as stored.
 *
 * @example
 * lowerHex('0xAbC…') // '0xabc…'
 */
export function lowerHex(value: string): HexText {
  return value.toLowerCase()
}

/** Checksummed address from its stored lower-case form. */
export function toAddress(text: HexText): Address {
  return getAddress(text)
}

/** A stored hash as viem's `Hex`. */
export function toHex(text: HexText): Hex {
  return text as Hex
}

/** 0/1 for a boolean. */
export function flag(value: boolean): Flag {
  return value ? 1 : 0
}

/**
 * JSON for event arguments: bigints as decimal strings, everything else as is.
 *
 * @example
 * argsJson({ amount: 5n, to: '0xab' }) // '{"amount":"5","to":"0xab"}'
 */
export function argsJson(args: unknown): string {
  return JSON.stringify(args, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))
}
