/**
 * Maps and sets keyed by channel id (= trade id, a uint256) that stay fast with many channels.
 *
 * V8 hashes a BigInt by its lowest 64-bit digit only, and a trade id is
 * `(buyer address << 96) | buyer's order count`: every buyer's first order has the same low
 * 96 bits, so in a `Map<bigint, …>` all of them share one hash bucket and each lookup walks
 * the whole bucket. Measured on the development machine: 0.04–0.2 µs per lookup for ids that
 * differ in their low bits, 4–11 µs with 1,000–2,000 ids that differ only above bit 64, and
 * growing linearly with the number of such channels. These classes key the entries by the
 * id's hex text (which hashes on every character) and behave exactly like `Map<bigint, V>`
 * and `Set<bigint>`: same methods, insertion order, bigint keys out.
 */

export class ChannelMap<V> implements Map<bigint, V> {
  readonly #entries = new Map<string, [bigint, V]>()

  constructor(entries?: Iterable<readonly [bigint, V]>) {
    for (const [key, value] of entries ?? []) this.set(key, value)
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: bigint): V | undefined {
    return this.#entries.get(key.toString(16))?.[1]
  }

  has(key: bigint): boolean {
    return this.#entries.has(key.toString(16))
  }

  set(key: bigint, value: V): this {
    const text = key.toString(16)
    const entry = this.#entries.get(text)
    if (entry) entry[1] = value // keeps the key's insertion position, as Map does
    else this.#entries.set(text, [key, value])
    return this
  }

  delete(key: bigint): boolean {
    return this.#entries.delete(key.toString(16))
  }

  clear(): void {
    this.#entries.clear()
  }

  forEach(callback: (value: V, key: bigint, map: Map<bigint, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#entries.values()) callback.call(thisArg, value, key, this)
  }

  *entries(): MapIterator<[bigint, V]> {
    for (const [key, value] of this.#entries.values()) yield [key, value]
  }

  *keys(): MapIterator<bigint> {
    for (const [key] of this.#entries.values()) yield key
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.#entries.values()) yield value
  }

  [Symbol.iterator](): MapIterator<[bigint, V]> {
    return this.entries()
  }

  get [Symbol.toStringTag](): string {
    return 'ChannelMap'
  }
}

export class ChannelSet implements Set<bigint> {
  readonly #ids = new ChannelMap<true>()

  constructor(ids?: Iterable<bigint>) {
    for (const id of ids ?? []) this.add(id)
  }

  get size(): number {
    return this.#ids.size
  }

  has(id: bigint): boolean {
    return this.#ids.has(id)
  }

  add(id: bigint): this {
    this.#ids.set(id, true)
    return this
  }

  delete(id: bigint): boolean {
    return this.#ids.delete(id)
  }

  clear(): void {
    this.#ids.clear()
  }

  forEach(callback: (value: bigint, key: bigint, set: Set<bigint>) => void, thisArg?: unknown): void {
    for (const id of this.#ids.keys()) callback.call(thisArg, id, id, this)
  }

  *entries(): SetIterator<[bigint, bigint]> {
    for (const id of this.#ids.keys()) yield [id, id]
  }

  keys(): SetIterator<bigint> {
    return this.#ids.keys()
  }

  values(): SetIterator<bigint> {
    return this.#ids.keys()
  }

  [Symbol.iterator](): SetIterator<bigint> {
    return this.#ids.keys()
  }

  get [Symbol.toStringTag](): string {
    return 'ChannelSet'
  }
}
