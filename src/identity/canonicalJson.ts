/**
 * Deterministic JSON for authenticated headers (AEAD associated data): object keys sorted by
 * code unit, no whitespace, `undefined` members dropped. Two parties that parse the same
 * file get the same bytes whatever key order or indentation the file uses.
 */

/** JSON values this module accepts (no `undefined` inside arrays, no functions, finite numbers). */
export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined }

/**
 * Serialises a JSON value canonically.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: numbers must be finite')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map((item: CanonicalValue) => canonicalJson(item)).join(',')}]`
  const object = value as { readonly [key: string]: CanonicalValue | undefined }
  const members = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key] as CanonicalValue)}`)
  return `{${members.join(',')}}`
}

/**
 * Canonical JSON as UTF-8 bytes, ready to be used as associated data.
 *
 * @example
 * canonicalBytes({ v: 1 }) // Uint8Array of '{"v":1}'
 */
export function canonicalBytes(value: CanonicalValue): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value))
}
