import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inspect } from 'node:util'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from 'viem'
import { EncryptionKeyWipedError } from '../errors/identity.ts'
import { EncryptionKeyPair, generateEncryptionKeyPair } from './encryptionKey.ts'

test('EncryptionKeyPair: compressed public key, private key never serialised or printed, copies only, wipe', () => {
  const secret = secp256k1.utils.randomSecretKey()
  const pair = new EncryptionKeyPair(secret)
  assert.equal(pair.publicKey, bytesToHex(secp256k1.getPublicKey(secret, true)))
  assert.match(pair.publicKey, /^0x0[23][0-9a-f]{64}$/)
  const hex = bytesToHex(secret).slice(2)
  assert.ok(!JSON.stringify(pair).includes(hex))
  assert.ok(!inspect(pair, { showHidden: true, depth: 5 }).includes(hex))
  assert.ok(!Object.keys(pair).includes('privateKey'))

  const copy = pair.privateKey
  assert.deepEqual(copy, secret)
  copy.fill(0)
  secret.fill(0)
  assert.notDeepEqual(pair.privateKey, copy, 'neither the caller\'s array nor a returned copy is the stored key')

  pair.wipe()
  assert.throws(() => pair.privateKey, EncryptionKeyWipedError)
  assert.throws(() => new EncryptionKeyPair(new Uint8Array(32)), 'the zero scalar is not a key')
  assert.notEqual(generateEncryptionKeyPair().publicKey, generateEncryptionKeyPair().publicKey)
})
