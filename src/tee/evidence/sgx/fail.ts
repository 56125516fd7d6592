/**
 * The one way this folder refuses evidence: an `EvidenceError` for platform `sgx-dcap` whose
 * `failure` is the precise kind and whose `reason` names what did not hold.
 */
import { EvidenceError } from '../../../errors/tee.ts'
import type { EvidenceFailure } from '../types.ts'

/**
 * @example
 * if (version !== 3) fail('malformed', `quote version is ${version}, expected 3`)
 */
export function fail(failure: EvidenceFailure, reason: string, cause?: Error): never {
  throw new EvidenceError({ platform: 'sgx-dcap', failure, reason, cause })
}
