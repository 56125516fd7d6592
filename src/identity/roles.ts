/**
 * The alliance roles of SPEC.md section 1, mirrored from the Solidity enum `IAlliance.Role`
 * (contracts/src/interfaces/IAlliance.sol). The array order IS the enum order: the index of
 * a role here is the `uint8` the contract uses, so never reorder, only append (and append
 * to the enum in the same commit).
 *
 * Key derivation does NOT use these indices (see `FUNCTION_INDEX` in hdTree.ts): a change to
 * the enum must never silently change an organisation's keys.
 */
import { UnknownRoleError } from '../errors/identity.ts'

/**
 * Every role, in `IAlliance.Role` enum order.
 *
 * @example
 * roles[0] // 'Seller'
 * roles.length // 8
 */
export const roles = [
  'Seller',
  'Buyer',
  'Platform',
  'Storage',
  'Compute',
  'Arbitrator',
  'Supervisor',
  'Validator',
] as const

/** A role name, e.g. `'Seller'`. */
export type Role = (typeof roles)[number]

/** The `IAlliance.Role` enum value of a role (what the contract ABI takes as `uint8`). */
export type RoleIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7

/**
 * True when `value` is exactly one of the role names (case-sensitive).
 *
 * @example
 * isRole('Buyer') // true
 * isRole('buyer') // false: use parseRole for user input
 */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value)
}

/**
 * The enum index of a role, to pass to the contract.
 *
 * @example
 * roleIndex('Storage') // 3
 */
export function roleIndex(role: Role): RoleIndex {
  const index = roles.indexOf(role)
  if (index < 0) throw new UnknownRoleError({ role })
  return index as RoleIndex
}

/**
 * The role of an enum index read from the contract (e.g. from `keyInfo` or a `KeyBound` log).
 *
 * @example
 * roleFromIndex(5) // 'Arbitrator'
 * roleFromIndex(8) // throws UnknownRoleError
 */
export function roleFromIndex(index: number | bigint): Role {
  const i = typeof index === 'bigint' ? (index <= 255n && index >= 0n ? Number(index) : -1) : index
  const role = Number.isInteger(i) ? roles[i] : undefined
  if (role === undefined) throw new UnknownRoleError({ role: index })
  return role
}

/**
 * Parses user input (CLI flag, config file) into a role: case-insensitive name or enum index.
 *
 * @example
 * parseRole('seller') // 'Seller'
 * parseRole('2')      // 'Platform'
 * parseRole('owner')  // throws UnknownRoleError
 */
export function parseRole(input: string): Role {
  const trimmed = input.trim()
  if (/^\d+$/.test(trimmed)) return roleFromIndex(Number(trimmed))
  const role = roles.find((r) => r.toLowerCase() === trimmed.toLowerCase())
  if (role === undefined) throw new UnknownRoleError({ role: input })
  return role
}

/**
 * Encodes a set of roles as the `uint256 rolesMask` of `IAlliance` events: bit i is set when
 * the role with enum index i is included.
 *
 * @example
 * rolesToMask(['Seller', 'Storage']) // 0b1001n === 9n
 */
export function rolesToMask(set: readonly Role[]): bigint {
  let mask = 0n
  for (const role of set) mask |= 1n << BigInt(roleIndex(role))
  return mask
}

/**
 * Decodes a `rolesMask` into roles, in enum order. Bits beyond the known roles are an error,
 * not silently dropped, so a newer contract is noticed.
 *
 * @example
 * maskToRoles(9n) // ['Seller', 'Storage']
 */
export function maskToRoles(mask: bigint): Role[] {
  if (mask < 0n || mask >> BigInt(roles.length) !== 0n) throw new UnknownRoleError({ role: `mask 0x${mask.toString(16)}` })
  return roles.filter((_, i) => (mask >> BigInt(i)) & 1n)
}
