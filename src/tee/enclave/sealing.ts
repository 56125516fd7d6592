/**
 * Sealed storage (SPEC.md section 5): what an enclave keeps between runs (a trained model) is
 * encrypted under a key derived from the platform's sealing root and the enclave's own
 * measurement — the SGX "MRENCLAVE policy". Another build (another measurement) derives
 * another key and cannot open it; neither can the node, which never holds the sealing root.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { decryptEnclaveFile, encryptEnclaveFile } from '../enclaveFile.ts'

const INFO = new TextEncoder().encode('databourse/seal/v1/aes-256-gcm')
const NAME = /^[A-Za-z0-9._-]{1,80}$/

export class SealedStore {
  readonly #key: Uint8Array
  readonly #dir: string
  readonly #measurement: string

  constructor(p: { sealingRoot: Uint8Array; measurement: `0x${string}`; dir: string }) {
    this.#key = hkdf(sha256, p.sealingRoot, hexToBytes(p.measurement.slice(2)), INFO, 32)
    this.#dir = p.dir
    this.#measurement = p.measurement
  }

  #path(name: string): string {
    if (!NAME.test(name)) throw new Error(`sealed state name "${name}" must be 1-80 letters, digits, dot, dash or underscore`)
    return join(this.#dir, `${name}.sealed`)
  }

  seal(name: string, plaintext: Uint8Array): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    const path = this.#path(name)
    const partial = `${path}.${process.pid}.partial`
    writeFileSync(partial, encryptEnclaveFile({ kind: 'sealed', name, sealedBy: this.#measurement }, plaintext, this.#key), { mode: 0o600 })
    renameSync(partial, path)
  }

  /** @throws {Error} when nothing is sealed under `name`, or it was sealed by another measurement */
  unseal(name: string): Buffer {
    const path = this.#path(name)
    if (!existsSync(path)) throw new Error(`no sealed state "${name}"`)
    try {
      return decryptEnclaveFile(readFileSync(path), this.#key).plaintext
    } catch {
      throw new Error(`sealed state "${name}" does not open under this enclave's measurement ${this.#measurement} (sealed by another build, or tampered)`)
    }
  }
}
