/**
 * Zod schemas shared by the routes: the wire forms of addresses, hashes, amounts and ids
 * (integers travel as decimal strings so no precision is lost), the error body and pages.
 * Each bound matches the contract's ABI type, so a value that passes can always be encoded.
 */
import { z } from '@hono/zod-openapi'
import type { Address, Hex } from 'viem'
import { roles } from '../../identity/roles.ts'

const UINT96_MAX = (1n << 96n) - 1n
const UINT256_MAX = (1n << 256n) - 1n

/** A 0x-prefixed 20-byte address (any case). */
export const AddressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((v) => v as Address)
  .openapi({ type: 'string', example: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' })

/** 32 bytes as 0x hex (content hashes, challenges). */
export const Bytes32Schema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of 0x hex')
  .transform((v) => v.toLowerCase() as Hex)
  .openapi({ type: 'string', example: '0x9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })

function decimal(max: bigint, what: string, min = 0n) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,77})$/, `must be a ${what} as a decimal string`)
    .transform((v) => BigInt(v))
    .refine((v) => v >= min && v <= max, { message: `must be from ${min} to ${max}` })
}

/** A credit amount in base units (18 decimals) that fits the contract's uint96 fields. */
export const Uint96Schema = decimal(UINT96_MAX, 'base-unit amount').openapi({ type: 'string', example: '150000000000000000000' })
/** A positive uint96 amount. */
export const PositiveUint96Schema = decimal(UINT96_MAX, 'positive base-unit amount', 1n).openapi({ type: 'string', example: '10000000000000000000' })
/** A uint256 amount (max prices, deposits into the marketplace). */
export const Uint256Schema = decimal(UINT256_MAX, 'uint256').openapi({ type: 'string', example: '200000000000000000000' })
/** A positive uint256 amount. */
export const PositiveUint256Schema = decimal(UINT256_MAX, 'positive uint256', 1n).openapi({ type: 'string', example: '1000000000000000000' })

/** A listing id path or body value: a positive decimal integer. */
export const ListingIdSchema = decimal(UINT256_MAX, 'listing id', 1n).openapi({ type: 'string', example: '1' })

/** A trade id: decimal or 0x hex (as `bourse order` prints it), below 2^256. */
export const TradeIdSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/, 'must be a trade id (0x hex or decimal)')
  .transform((v) => BigInt(v))
  .refine((v) => v <= UINT256_MAX, { message: 'must be below 2^256' })
  .openapi({ type: 'string', example: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc000000000000000000000001' })

/** A uint32 given as a JSON number (categories, quantities). */
export const Uint32Schema = z.number().int('must be an integer').min(0).max(0xffffffff)

/** A role name of the Alliance contract. */
export const RoleSchema = z.enum(roles).openapi({ example: 'Buyer' })

/** A uint32 given in a query string. */
export const QueryUint32Schema = z
  .string()
  .regex(/^[0-9]{1,10}$/, 'must be a non-negative integer')
  .transform(Number)
  .refine((v) => v <= 0xffffffff, { message: 'must be at most 4294967295' })

/** Page size in a query string (1..100). */
export const LimitSchema = z
  .string()
  .regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .refine((v) => v >= 1 && v <= 100, { message: 'must be an integer from 1 to 100' })
  .optional()
  .openapi({ type: 'string', example: '20' })

/** An opaque pagination cursor. */
export const CursorSchema = z.string().max(1024).optional().openapi({ description: 'nextCursor of the previous page' })

/** `true` / `false` in a query string. */
export const QueryBooleanSchema = z.enum(['true', 'false']).transform((v) => v === 'true')

/** The JSON body of every error response. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_REQUEST' }),
      message: z.string(),
      field: z.string().optional().openapi({ example: 'body.maxPrice' }),
      reason: z.string().optional(),
      args: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error')

/** A transaction the node sent. */
export const TxSchema = z.object({ hash: z.string(), gasUsed: z.string() }).openapi('Transaction')
