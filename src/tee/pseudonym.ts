/**
 * Pseudonyms for direct identifiers (SPEC.md section 5, the trusted data gateway): a keyed
 * hash, so the same customer gets the same pseudonym within one owner's data (RFM needs it)
 * while nobody without the owner's pseudonym key can recompute or dictionary-attack it (a
 * plain hash of a 5-digit customer number would be reversed in milliseconds). The key is
 * released only to attested enclaves — e.g. to pseudonymise a buyer's audience list the
 * same way inside the enclave for an overlap count.
 *
 *   pseudonym = hex(HMAC-SHA256(key, normalised id))[0..32]   (128 bits)
 *
 * Normalisation: trimmed; a float-written integer such as `17850.0` becomes `17850`.
 */
import { createHmac } from 'node:crypto'

export const PSEUDONYM_HEX_CHARS = 32

export function normaliseIdentifier(id: string): string {
  const trimmed = id.trim()
  return /^\d+\.0+$/.test(trimmed) ? trimmed.slice(0, trimmed.indexOf('.')) : trimmed
}

/** The pseudonym of `id` under `key` (32 bytes); '' stays '' (no identifier). */
export function pseudonymOf(key: Uint8Array, id: string): string {
  const normalised = normaliseIdentifier(id)
  if (normalised === '') return ''
  return createHmac('sha256', key).update(normalised).digest('hex').slice(0, PSEUDONYM_HEX_CHARS)
}

/**
 * A memoising pseudonymiser: the gateway sees each customer on many rows (541,909 rows,
 * 4,372 customers in the Online Retail file), so one HMAC per distinct id.
 */
export function pseudonymiser(key: Uint8Array): (id: string) => string {
  const memo = new Map<string, string>()
  return (id) => {
    let p = memo.get(id)
    if (p === undefined) {
      p = pseudonymOf(key, id)
      memo.set(id, p)
    }
    return p
  }
}
