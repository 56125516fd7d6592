/**
 * Envelope encryption of supervision records (src/supervision/README.md):
 *
 *   private fields --AES-256-GCM(record key, aad = record id)--> private ciphertext
 *   record key     --AES-256-GCM(channel key, aad = record id)--> wrapped record key
 *   channel key    --AES-256-GCM(pair key(producer, member), aad = channel id, member)--> one per member
 *   pair key       = HKDF-SHA256(ECDH_x(producer, member), salt = producerPub || memberPub,
 *                                info = "databourse/supervision/v1/channel-key")
 *
 * The pair key is a static-static ECDH (as NaCl's crypto_box): either side computes it from its
 * own private key and the other's published public key, so the producer derives it once per
 * member organisation and a record costs two AES-GCM operations whatever the channel's size.
 * Every sealed value is iv(12) || ciphertext || tag(16); a modified value, a value moved to
 * another record or channel, or the wrong key makes opening return `undefined`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import aesGcmBatch from '@databourse/aes-gcm-batch'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'

export const KEY_LENGTH = 32
const IV_LENGTH = 12
const TAG_LENGTH = 16
const PAIR_INFO = utf8ToBytes('databourse/supervision/v1/channel-key')

/** AES-256-GCM encryption: the ciphertext and its tag (GCM holds no bytes back at `final`). */
function encrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): { body: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH })
  cipher.setAAD(aad)
  const body = cipher.update(plaintext)
  cipher.final()
  return { body, tag: cipher.getAuthTag() }
}

/** AES-256-GCM seal: iv || ciphertext || tag (`iv`: 12 random bytes, default fresh). */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array = randomBytes(IV_LENGTH)): Uint8Array {
  const { body, tag } = encrypt(key, plaintext, aad, iv)
  return new Uint8Array(Buffer.concat([iv, body, tag]))
}

/**
 * Many AES-256-GCM seals in one go, each `iv || ciphertext || tag` as {@link seal} makes it:
 * message `i` is `plaintext[offsets[i], offsets[i + 1])` under `keys[32i…]`, IV `ivs[12i…]` and
 * associated data `aads[aadLength·i…]`; sealed message `i` is
 * `out[offsets[i] + 28i, offsets[i + 1] + 28(i + 1))`. One call into OpenSSL for the whole
 * batch (native/aes-gcm-batch: ~1 µs per small message against ~7 µs through a Cipheriv
 * object each); Node's crypto, message by message, where the addon is not built.
 */
export function sealMany(batch: { keys: Uint8Array; ivs: Uint8Array; aads: Uint8Array; aadLength: number; plaintext: Uint8Array; offsets: Uint32Array }): Buffer {
  const { keys, ivs, aads, aadLength, plaintext, offsets } = batch
  const n = offsets.length - 1
  const out = Buffer.allocUnsafe(offsets[n]! + (IV_LENGTH + TAG_LENGTH) * n)
  if (sealManyNative) sealManyNative(keys, ivs, aads, aadLength, plaintext, offsets, out)
  else sealManyWithNodeCrypto(keys, ivs, aads, aadLength, plaintext, offsets, out)
  return out
}

const sealManyNative = aesGcmBatch.sealMany

/** Sealed message `i` of {@link sealMany}'s output, as {@link seal} would have made it (`offsets` as given to it). */
export function sealedMessage(sealed: Buffer, offsets: Uint32Array, i: number): Buffer {
  const overhead = IV_LENGTH + TAG_LENGTH
  return sealed.subarray(offsets[i]! + overhead * i, offsets[i + 1]! + overhead * (i + 1))
}

/** Which implementation {@link sealMany} uses here, and why not the native one when it does not. */
export const sealManyImplementation: { native: boolean; why?: string } = sealManyNative ? { native: true } : { native: false, why: String(aesGcmBatch.loadError?.message ?? aesGcmBatch.loadError) }

/** {@link sealMany} through Node's crypto (where the addon is not built; the reference in tests). */
export function sealManyWithNodeCrypto(keys: Uint8Array, ivs: Uint8Array, aads: Uint8Array, aadLength: number, plaintext: Uint8Array, offsets: Uint32Array, out: Uint8Array): void {
  const n = offsets.length - 1
  let ordered = n >= 0 && offsets[0] === 0
  for (let i = 0; ordered && i < n; i++) ordered = offsets[i]! <= offsets[i + 1]!
  if (!ordered || keys.length !== KEY_LENGTH * n || ivs.length !== IV_LENGTH * n || aads.length !== aadLength * n || offsets[n] !== plaintext.length || out.length !== plaintext.length + (IV_LENGTH + TAG_LENGTH) * n) {
    throw new RangeError('sealMany: the lengths of keys, ivs, aads, plaintext, offsets and out do not agree')
  }
  let at = 0
  for (let i = 0; i < n; i++) {
    const iv = ivs.subarray(IV_LENGTH * i, IV_LENGTH * (i + 1))
    const { body, tag } = encrypt(keys.subarray(KEY_LENGTH * i, KEY_LENGTH * (i + 1)), plaintext.subarray(offsets[i], offsets[i + 1]), aads.subarray(aadLength * i, aadLength * (i + 1)), iv)
    out.set(iv, at)
    out.set(body, at + IV_LENGTH)
    out.set(tag, at + IV_LENGTH + body.length)
    at += IV_LENGTH + body.length + TAG_LENGTH
  }
}

/** Opens {@link seal}'s output; `undefined` when anything was modified or the key is wrong. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < IV_LENGTH + TAG_LENGTH || key.length !== KEY_LENGTH) return undefined
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_LENGTH), { authTagLength: TAG_LENGTH })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH))
  try {
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH)), decipher.final()]))
  } catch {
    return undefined
  }
}

export function newKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_LENGTH))
}

/**
 * The pair key between the holder of `privateKey` and `otherPublicKey`, with the producer's
 * and the member's public keys (compressed, 33 bytes) in that order as salt, so both sides
 * derive the same key.
 */
export function pairKey(privateKey: Uint8Array, otherPublicKey: Uint8Array, producerPublicKey: Uint8Array, memberPublicKey: Uint8Array): Uint8Array {
  const shared = secp256k1.getSharedSecret(privateKey, otherPublicKey, true).subarray(1) // x coordinate
  return hkdf(sha256, shared, concatBytes(producerPublicKey, memberPublicKey), PAIR_INFO, KEY_LENGTH)
}

/** Associated data binding a wrapped channel key to its channel and member. */
export function channelKeyAad(channelId: bigint, org: string): Uint8Array {
  return utf8ToBytes(`databourse/supervision/v1/channel:${channelId.toString(16)}:${org.toLowerCase()}`)
}

/** Compressed public key of a secp256k1 private key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(privateKey, true)
}

/** A channel key to wrap for one member ({@link ChannelKeyWrapper.wrapMany}). */
export interface ChannelKeyWrap {
  channelKey: Uint8Array
  channelId: bigint
  org: string
  memberPublicKey: Uint8Array
}

/**
 * The producer side: derives pair keys once per member public key and wraps channel keys.
 *
 * @example
 * const producer = new ChannelKeyWrapper(platformEncryptionPrivateKey)
 * const wrapped = producer.wrap(channelKey, channelId, memberOrg, memberPublicKey)
 */
export class ChannelKeyWrapper {
  readonly publicKey: Uint8Array
  readonly #privateKey: Uint8Array
  readonly #pairKeys = new Map<string, Uint8Array>()

  constructor(privateKey: Uint8Array) {
    this.#privateKey = privateKey
    this.publicKey = publicKeyOf(privateKey)
  }

  wrap(channelKey: Uint8Array, channelId: bigint, org: string, memberPublicKey: Uint8Array): Uint8Array {
    return this.wrapMany([{ channelKey, channelId, org, memberPublicKey }])[0]!
  }

  /**
   * {@link wrap} for many channel keys at once (a submission opening hundreds of channels wraps
   * each key to every member): one {@link sealMany} call per length of associated data and one
   * draw of IVs, instead of a Cipheriv object and a random draw each; {@link wrap} is its
   * one-key case. Output `i` opens as `open(pair key, output, channelKeyAad(…))`.
   */
  wrapMany(wraps: readonly ChannelKeyWrap[]): Uint8Array[] {
    const out: Uint8Array[] = new Array(wraps.length)
    const aads = wraps.map((w) => channelKeyAad(w.channelId, w.org))
    const byAadLength = new Map<number, number[]>()
    aads.forEach((aad, i) => {
      const group = byAadLength.get(aad.length)
      if (group) group.push(i)
      else byAadLength.set(aad.length, [i])
    })
    for (const [aadLength, group] of byAadLength) {
      const n = group.length
      const keys = Buffer.allocUnsafe(n * KEY_LENGTH)
      const plaintext = Buffer.allocUnsafe(n * KEY_LENGTH)
      const aadBytes = Buffer.allocUnsafe(n * aadLength)
      const offsets = new Uint32Array(n + 1)
      group.forEach((w, j) => {
        keys.set(this.#pairKeyFor(wraps[w]!.memberPublicKey), j * KEY_LENGTH)
        plaintext.set(wraps[w]!.channelKey, j * KEY_LENGTH)
        aadBytes.set(aads[w]!, j * aadLength)
        offsets[j + 1] = (j + 1) * KEY_LENGTH
      })
      const sealed = sealMany({ keys, ivs: randomBytes(n * IV_LENGTH), aads: aadBytes, aadLength, plaintext, offsets })
      keys.fill(0)
      plaintext.fill(0)
      group.forEach((w, j) => (out[w] = new Uint8Array(sealedMessage(sealed, offsets, j))))
    }
    return out
  }

  /** Opens a channel key this producer wrapped (to any member). */
  unwrap(wrapped: Uint8Array, channelId: bigint, org: string, memberPublicKey: Uint8Array): Uint8Array | undefined {
    return open(this.#pairKeyFor(memberPublicKey), wrapped, channelKeyAad(channelId, org))
  }

  #pairKeyFor(memberPublicKey: Uint8Array): Uint8Array {
    const id = Buffer.from(memberPublicKey).toString('hex')
    let key = this.#pairKeys.get(id)
    if (!key) {
      key = pairKey(this.#privateKey, memberPublicKey, this.publicKey, memberPublicKey)
      this.#pairKeys.set(id, key)
    }
    return key
  }
}

/**
 * The member side: opens the channel key wrapped to it, with its own encryption private key
 * and the producer's published public key.
 */
export function unwrapChannelKeyAsMember(
  memberPrivateKey: Uint8Array,
  producerPublicKey: Uint8Array,
  wrapped: Uint8Array,
  channelId: bigint,
  org: string,
): Uint8Array | undefined {
  try {
    const key = pairKey(memberPrivateKey, producerPublicKey, producerPublicKey, publicKeyOf(memberPrivateKey))
    return open(key, wrapped, channelKeyAad(channelId, org))
  } catch {
    return undefined // not a curve point
  }
}
