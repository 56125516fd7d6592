/**
 * One organisation's confidential-computing data on a node, in one layout used by the node's
 * compute service, `bourse tee` and `bourse import --pseudonymise`:
 *
 *   <dataDir>/tee/owners/<org>/owner-keys/<id>.key     keys under the master key (OwnerKeys)
 *   <dataDir>/tee/owners/<org>/datasets/<name>.enc     datasets written by the gateway
 *   <dataDir>/tee/owners/<org>/audiences/<name>.enc    customer lists for overlap jobs
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { UsageError } from '../errors/node.ts'
import { encryptEnclaveFile, readEnclaveFileHeader } from './enclaveFile.ts'
import { gatewayImport, type GatewayImportResult } from './gateway.ts'
import { OwnerKeys, PSEUDONYM_KEY_ID } from './OwnerKeys.ts'

const NAME = /^[A-Za-z0-9._-]{1,64}$/

export const datasetKeyId = (name: string) => `dataset-${name}`
export const audienceKeyId = (name: string) => `audience-${name}`

export class OwnerData {
  readonly org: string
  readonly keys: OwnerKeys
  readonly #dir: string

  /** @throws {UsageError} when `org` is not a plain name */
  constructor(p: { teeDir: string; org: string; masterKey: Uint8Array }) {
    if (!NAME.test(p.org)) throw new UsageError(`organisation name "${p.org}" must be 1-64 letters, digits, dot, dash or underscore`)
    this.org = p.org
    this.#dir = join(p.teeDir, 'owners', p.org)
    this.keys = new OwnerKeys({ dir: this.#dir, masterKey: p.masterKey })
  }

  #file(folder: 'datasets' | 'audiences', name: string): string {
    if (!NAME.test(name)) throw new UsageError(`${folder.slice(0, -1)} name "${name}" must be 1-64 letters, digits, dot, dash or underscore`)
    const dir = join(this.#dir, folder)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    return join(dir, `${name}.enc`)
  }

  datasetPath(name: string): string {
    return this.#file('datasets', name)
  }

  audiencePath(name: string): string {
    return this.#file('audiences', name)
  }

  /** The plaintext hash of a dataset, from its encrypted file's header (no key needed). */
  datasetHash(name: string): Hex {
    const path = this.datasetPath(name)
    if (!existsSync(path)) throw new UsageError(`${this.org} has no enclave dataset "${name}" on this node.`)
    return readEnclaveFileHeader(readFileSync(path)).header.contentHash as Hex
  }

  /**
   * The gateway: the owner's order file -> de-identified, encrypted dataset `name`. With
   * `replace: false` an existing dataset of that name is refused (its key never changes).
   */
  async importDataset(p: { path: string; name: string; replace: boolean; keep?: ((fields: readonly string[]) => boolean) | undefined; onProgress?: ((bytes: number) => void) | undefined }): Promise<GatewayImportResult & { name: string }> {
    const keyId = datasetKeyId(p.name)
    if (!p.replace && this.keys.has(keyId)) throw new UsageError(`Organisation ${this.org} already has a dataset "${p.name}"; choose another --name.`)
    const out = this.datasetPath(p.name)
    // A new dataset's key is stored only once the gateway wrote it: a refused file leaves no key behind.
    const existing = this.keys.has(keyId) ? this.keys.get(keyId) : undefined
    const datasetKey = existing ?? new Uint8Array(randomBytes(32))
    const result = await gatewayImport({ path: p.path, out, pseudonymKey: this.keys.getOrCreate(PSEUDONYM_KEY_ID), datasetKey, keep: p.keep, onProgress: p.onProgress })
    if (!existing) this.keys.put(keyId, datasetKey)
    return { ...result, name: p.name }
  }

  /** A customer list encrypted for enclaves (raw ids: pseudonymised inside the enclave with the seller's key). */
  async writeAudience(name: string, customerIds: readonly string[], o: { replace: boolean }): Promise<{ path: string; size: number }> {
    const keyId = audienceKeyId(name)
    if (!o.replace && this.keys.has(keyId)) throw new UsageError(`Organisation ${this.org} already has an audience list "${name}".`)
    const path = this.audiencePath(name)
    const plaintext = new TextEncoder().encode(JSON.stringify([...customerIds]))
    await writeFile(path, encryptEnclaveFile({ kind: 'audience', entries: customerIds.length }, plaintext, this.keys.getOrCreate(keyId)), { mode: 0o600 })
    return { path, size: customerIds.length }
  }
}
