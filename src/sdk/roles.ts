/** Role names in the order of the Solidity enum `IAlliance.Role` (defined in src/identity). */
export { roles as roleNames, roleIndex, type Role as RoleName } from '../identity/roles.ts'
