/**
 * JSON wire form of domain values: bigints (amounts, ids) become decimal strings, trade ids
 * also get their 0x form where the route says so. Nothing else changes.
 */

/** A value with every bigint replaced by a string (the type the client sees). */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends readonly (infer U)[]
      ? readonly Jsonified<U>[]
      : T extends object
        ? { [K in keyof T]: Jsonified<T[K]> }
        : T

/**
 * @example
 * toJson({ price: 150n, items: [1n] }) // { price: '150', items: ['1'] }
 */
export function toJson<T>(value: T): Jsonified<T> {
  if (typeof value === 'bigint') return value.toString() as Jsonified<T>
  if (Array.isArray(value)) return value.map((v) => toJson(v)) as Jsonified<T>
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v)
    return out as Jsonified<T>
  }
  return value as Jsonified<T>
}

/** The 0x form of a trade id, as the CLI prints it. */
export function tradeIdHex(id: bigint): string {
  return `0x${id.toString(16)}`
}
