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
  // Plain loops and string appends rather than map/filter/join: this runs for every
  // supervision record written (twice), and the intermediate arrays were most of its cost.
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i] as CanonicalValue)
    return `${out}]`
  }
  const object = value as { readonly [key: string]: CanonicalValue | undefined }
  let out = '{'
  for (const key of Object.keys(object).sort()) {
    const member = object[key]
    if (member === undefined) continue
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(member)}`
  }
  return `${out}}`
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
