/**
 * A data owner's keys for confidential computing, on the owner's node: one asset key per
 * dataset written for enclaves, and the owner's pseudonym key (the gateway's keyed hash).
 * Stored in `<dataDir>/tee/owners/<org>/owner-keys/<id>.key` (src/tee/OwnerData.ts), each wrapped under the node's master key
 * (AES-256-GCM, the key id as associated data, src/storage/keyWrap.ts) — the same protection
 * as the storage provider's asset keys. They leave this store only wrapped to an admitted
 * enclave session (src/tee/keyRelease.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { EnclaveInputNotFoundError } from '../errors/tee.ts'
import { unwrapWithMasterKey, wrapWithMasterKey } from '../storage/keyWrap.ts'

const ID = /^[A-Za-z0-9._-]{1,100}$/
export const PSEUDONYM_KEY_ID = 'pseudonym'

export class OwnerKeys {
  readonly #dir: string
  readonly #masterKey: Uint8Array

  /** @param p.dir the organisation's folder (src/tee/OwnerData.ts) */
  constructor(p: { dir: string; masterKey: Uint8Array }) {
    this.#dir = join(p.dir, 'owner-keys')
    this.#masterKey = p.masterKey
  }

  #path(id: string): string {
    if (!ID.test(id)) throw new Error(`key id "${id}" must be 1-100 letters, digits, dot, dash or underscore`)
    return join(this.#dir, `${id}.key`)
  }

  has(id: string): boolean {
    return existsSync(this.#path(id))
  }

  /** Stores a new random key under `id` (refuses to overwrite: a dataset's key never changes). */
  create(id: string): Uint8Array {
    return this.put(id, new Uint8Array(randomBytes(32)))
  }

  /** Stores `key` under `id` (refuses to overwrite); returns it. */
  put(id: string, key: Uint8Array): Uint8Array {
    const path = this.#path(id)
    if (existsSync(path)) throw new Error(`a key "${id}" exists already`)
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    const partial = `${path}.${process.pid}.partial`
    writeFileSync(partial, wrapWithMasterKey(this.#masterKey, key, new TextEncoder().encode(id)), { mode: 0o600 })
    renameSync(partial, path)
    return key
  }

  /**
   * @throws {EnclaveInputNotFoundError} when there is no such key
   * @throws {Error} when it does not unwrap under this node's master key
   */
  get(id: string): Uint8Array {
    const path = this.#path(id)
    if (!existsSync(path)) throw new EnclaveInputNotFoundError({ keyId: id })
    const key = unwrapWithMasterKey(this.#masterKey, new Uint8Array(readFileSync(path)), new TextEncoder().encode(id))
    if (!key) throw new Error(`key "${id}" does not unwrap under this node's master key`)
    return key
  }

  getOrCreate(id: string): Uint8Array {
    return this.has(id) ? this.get(id) : this.create(id)
  }
}
