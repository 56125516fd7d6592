/**
 * An organisation's encryption key pair (secp256k1): the public half is published on chain
 * (`Supervision.publishEncryptionKey`) and supervision channel keys are wrapped to it
 * (src/supervision/README.md, "Envelope encryption"). It is a key of its own, never a
 * signing key: src/node/organisations.ts derives it at `m/44'/60'/<account>'/200'/0'`.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, type Hex } from 'viem'
import { EncryptionKeyWipedError } from '../errors/identity.ts'

/**
 * A secp256k1 key pair for ECDH. The private key is kept in a private field: it is not
 * enumerable, not serialised by `JSON.stringify` and not printed by `console.log`.
 *
 * @example
 * const pair = new EncryptionKeyPair(secp256k1.utils.randomSecretKey())
 * pair.publicKey   // '0x02…' (33 bytes, compressed)
 * pair.privateKey  // Uint8Array(32): secret
 */
export class EncryptionKeyPair {
  /** 33-byte compressed public key, 0x hex: what the organisation publishes. */
  readonly publicKey: Hex
  #privateKey: Uint8Array | undefined

  /** Takes a copy of a valid 32-byte secp256k1 private key (throws otherwise). */
  constructor(privateKey: Uint8Array) {
    const copy = Uint8Array.from(privateKey)
    this.publicKey = bytesToHex(secp256k1.getPublicKey(copy, true))
    this.#privateKey = copy
  }

  /**
   * The 32-byte private key (a copy). Secret: never log it.
   * @throws {EncryptionKeyWipedError} after {@link wipe}
   */
  get privateKey(): Uint8Array {
    if (!this.#privateKey) throw new EncryptionKeyWipedError()
    return Uint8Array.from(this.#privateKey)
  }

  /** Overwrites the private key in memory; reading it afterwards throws. */
  wipe(): void {
    this.#privateKey?.fill(0)
    this.#privateKey = undefined
  }
}

/**
 * A fresh random encryption key pair (tests, and organisations without a key tree).
 *
 * @example
 * const pair = generateEncryptionKeyPair()
 */
export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const secret = secp256k1.utils.randomSecretKey()
  const pair = new EncryptionKeyPair(secret)
  secret.fill(0)
  return pair
}
