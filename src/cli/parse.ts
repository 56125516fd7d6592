/**
 * Parsers of command-line values; each throws a {@link UsageError} naming the argument.
 */
import { isAddress, parseEther, type Address } from 'viem'
import { UsageError } from '../errors/node.ts'
import { roles, type Role } from '../identity/roles.ts'

/** A credit amount in decimal credits ("150", "0.5") -> base units. */
export function parseCredits(value: string, name = 'amount'): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) throw new UsageError(`${name}: "${value}" is not an amount of credits (e.g. 150 or 12.5).`)
  return parseEther(value)
}

/** A positive integer id (listing id, category, count). */
export function parsePositiveInt(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new UsageError(`${name}: "${value}" is not a positive integer.`)
  return Number(value)
}

/** A non-negative integer (category ids may be 0). */
export function parseUint(value: string, name: string, max = 2 ** 32 - 1): number {
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${name}: "${value}" is not an integer between 0 and ${max}.`)
  return Number(value)
}

/** A trade id, hex (0x…) as the CLI prints it, or decimal. */
export function parseTradeId(value: string): bigint {
  try {
    if (/^0x[0-9a-fA-F]{1,64}$/.test(value) || /^\d{1,78}$/.test(value)) return BigInt(value)
  } catch {}
  throw new UsageError(`trade id: "${value}" is not a trade id (expected 0x… as printed by \`bourse order\`).`)
}

export function parseAddress(value: string, name: string): Address {
  if (!isAddress(value, { strict: false })) throw new UsageError(`${name}: "${value}" is not an address.`)
  return value as Address
}

/** A role name, case-insensitive ("seller", "Storage"). */
export function parseRole(value: string): Role {
  const role = roles.find((r) => r.toLowerCase() === value.toLowerCase())
  if (!role) throw new UsageError(`role: "${value}" is not a role (one of ${roles.join(', ').toLowerCase()}).`)
  return role
}

/** A comma-separated role list. */
export function parseRoles(value: string): Role[] {
  const list = value.split(',').map((r) => r.trim()).filter(Boolean).map(parseRole)
  if (list.length === 0) throw new UsageError('roles: give at least one role, e.g. --roles seller,buyer')
  return [...new Set(list)]
}

/** A duration: seconds, or with a unit s/m/h/d ("90", "15m", "2d"). */
export function parseDuration(value: string, name = 'duration'): number {
  const m = /^(\d+)([smhd]?)$/.exec(value)
  if (!m) throw new UsageError(`${name}: "${value}" is not a duration (e.g. 90, 15m, 2h, 3d).`)
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd']
}

/** A 32-byte hex value. */
export function parseBytes32(value: string, name: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new UsageError(`${name}: "${value}" is not 32 bytes of hex (0x + 64 hex digits).`)
  return value as `0x${string}`
}
