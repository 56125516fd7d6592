import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { HARDENED_OFFSET, HDKey } from '@scure/bip32'
import { mnemonicToSeedSync } from '@scure/bip39'
import { bytesToBigInt, bytesToHex, numberToBytes, type Hex } from 'viem'
import { HDKey as ViemHDKey, hdKeyToAccount, mnemonicToAccount, privateKeyToAddress } from 'viem/accounts'
import { InvalidDerivationIndexError, InvalidMnemonicError, InvalidRootKeyError, InvalidSeedError } from '../errors/identity.ts'
import {
  createOrganisationRoot,
  deriveFunctionKey,
  deriveFunctionKeyFromNode,
  deriveFunctionNode,
  FUNCTION_INDEX,
  functionKeyPath,
  generateOrganisationMnemonic,
  normalizeMnemonic,
  organisationFingerprint,
} from './hdTree.ts'
import { roles } from './roles.ts'

// Hardhat/Foundry's public test mnemonic: never for real funds.
const MNEMONIC = 'test test test test test test test test test test test junk'
const n = secp256k1.Point.Fn.ORDER

describe('path scheme', () => {
  test('function indices are pinned (changing one changes every organisation key)', () => {
    assert.deepEqual(FUNCTION_INDEX, {
      Seller: 0, Buyer: 1, Platform: 2, Storage: 3, Compute: 4, Arbitrator: 5, Supervisor: 6, Validator: 7,
    })
    assert.ok(Object.isFrozen(FUNCTION_INDEX))
  })

  test('paths are fully hardened BIP-44 paths', () => {
    assert.equal(functionKeyPath('Seller', 0), "m/44'/60'/0'/0'/0'")
    assert.equal(functionKeyPath('Validator', 12, { account: 3 }), "m/44'/60'/3'/7'/12'")
  })

  test('rejects levels and accounts outside the hardened index range', () => {
    for (const level of [-1, 1.5, 2 ** 31, Number.NaN]) {
      assert.throws(() => functionKeyPath('Seller', level), InvalidDerivationIndexError)
    }
    assert.throws(() => deriveFunctionKey(MNEMONIC, 'Seller', 0, { account: -1 }), InvalidDerivationIndexError)
    assert.equal(functionKeyPath('Seller', 2 ** 31 - 1), `m/44'/60'/0'/0'/${2 ** 31 - 1}'`)
  })
})

describe('derivation', () => {
  test('the root follows BIP-39/BIP-32 (standard account 0 of the test mnemonic)', () => {
    const root = createOrganisationRoot(MNEMONIC)
    const standard = root.derive("m/44'/60'/0'/0/0")
    assert.equal(privateKeyToAddress(bytesToHex(standard.privateKey!)), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
  })

  test('known mnemonic -> known addresses (pinned)', () => {
    const pinned: Array<[(typeof roles)[number], number, Hex]> = [
      ['Seller', 0, '0x5d2d1735e986a9e0fCBc75DE222d55D3D3B4D272'],
      ['Seller', 1, '0x9d07203Eceb69228840Ba958aB495668c2F6Cee7'],
      ['Buyer', 0, '0xf40dc847D830748cc685BB5D62d561cC2DF17421'],
      ['Buyer', 1, '0x0164fD6094B0872945AE1BDF537735f0332B8F8a'],
      ['Storage', 0, '0xAfd5C3be4Da744540922fF767aaa802f0c2517cf'],
      ['Storage', 1, '0x296c5b244ae0aa26A02FA014752A41D65989d8Ca'],
    ]
    for (const [role, level, address] of pinned) assert.equal(deriveFunctionKey(MNEMONIC, role, level).address, address)
  })

  test('every role, level and account agrees with viem on the same path', () => {
    const root = createOrganisationRoot(MNEMONIC)
    // viem's own HD stack (its bundled @scure/bip32 1.x), seeded once to keep the test fast.
    const viemRoot = ViemHDKey.fromMasterSeed(mnemonicToSeedSync(MNEMONIC))
    for (const role of ['Seller', 'Validator'] as const) {
      const key = deriveFunctionKey(root, role, 1)
      assert.equal(mnemonicToAccount(MNEMONIC, { path: key.path }).address, key.address)
    }
    for (const account of [0, 3]) {
      for (const role of roles) {
        for (const level of [0, 1, 5]) {
          const key = deriveFunctionKey(root, role, level, { account })
          const viemAccount = hdKeyToAccount(viemRoot, { path: key.path })
          assert.equal(key.address, viemAccount.address, key.path)
          assert.equal(key.privateKey, bytesToHex(viemAccount.getHdKey().privateKey!))
          assert.equal(key.publicKey, bytesToHex(secp256k1.getPublicKey(numberToBytes(BigInt(key.privateKey), { size: 32 }), true)))
          assert.deepEqual([key.role, key.level, key.account], [role, level, account])
        }
      }
    }
  })

  test('mnemonic, BIP-39 seed and master key are interchangeable sources', () => {
    const seed = mnemonicToSeedSync(MNEMONIC)
    const expected = deriveFunctionKey(MNEMONIC, 'Arbitrator', 2)
    assert.deepEqual(deriveFunctionKey(seed, 'Arbitrator', 2), expected)
    assert.deepEqual(deriveFunctionKey(HDKey.fromMasterSeed(seed), 'Arbitrator', 2), expected)
    assert.equal(organisationFingerprint(seed), organisationFingerprint(MNEMONIC))
    assert.match(organisationFingerprint(MNEMONIC), /^0x[0-9a-f]{8}$/)
  })

  test('a caller-owned master key is not wiped; non-master or public keys are refused', () => {
    const root = createOrganisationRoot(MNEMONIC)
    deriveFunctionKey(root, 'Seller', 0)
    assert.ok(root.privateKey, 'root still usable')
    assert.throws(() => deriveFunctionKey(root.derive("m/44'"), 'Seller', 0), InvalidRootKeyError)
    assert.throws(() => deriveFunctionKey(HDKey.fromExtendedKey(root.publicExtendedKey), 'Seller', 0), InvalidRootKeyError)
    assert.throws(() => createOrganisationRoot(new Uint8Array(15)), InvalidSeedError)
  })

  test('mnemonics are normalised, and errors say what is wrong without quoting words', () => {
    assert.equal(normalizeMnemonic(`  ${MNEMONIC.toUpperCase().replaceAll(' ', ' \n\t')} `), MNEMONIC)
    assert.equal(
      deriveFunctionKey(MNEMONIC.toUpperCase(), 'Seller', 0).address,
      deriveFunctionKey(MNEMONIC, 'Seller', 0).address,
    )
    const cases: Array<[string, string, RegExp]> = [
      ['test test test', 'word-count', /3 words/],
      [MNEMONIC.replace('junk', 'zzzqx'), 'unknown-word', /word #12 /],
      [MNEMONIC.replace('junk', 'test'), 'checksum', /checksum/],
    ]
    for (const [input, reason, message] of cases) {
      assert.throws(
        () => deriveFunctionKey(input, 'Seller', 0),
        (err: unknown) => {
          assert.ok(err instanceof InvalidMnemonicError)
          assert.equal(err.reason, reason)
          assert.match(err.message, message)
          assert.doesNotMatch(err.message, /junk|zzzqx|test/)
          return true
        },
      )
    }
  })

  test('generated mnemonics have 24 valid words and distinct keys', () => {
    const a = generateOrganisationMnemonic()
    const b = generateOrganisationMnemonic()
    assert.equal(normalizeMnemonic(a).split(' ').length, 24)
    assert.notEqual(deriveFunctionKey(a, 'Seller', 0).address, deriveFunctionKey(b, 'Seller', 0).address)
  })
})

describe('rotation and isolation', () => {
  test('every (account, role, level) gives a distinct key', () => {
    const root = createOrganisationRoot(MNEMONIC)
    const seen = new Set<string>()
    for (const account of [0, 1]) {
      for (const role of roles) {
        for (let level = 0; level < 4; level++) seen.add(deriveFunctionKey(root, role, level, { account }).address)
      }
    }
    assert.equal(seen.size, 2 * roles.length * 4)
  })

  test('a public parent cannot derive hardened children (organisation or function node)', () => {
    const root = createOrganisationRoot(MNEMONIC)
    const orgPublic = HDKey.fromExtendedKey(root.derive("m/44'/60'/0'").publicExtendedKey)
    assert.throws(() => orgPublic.deriveChild(HARDENED_OFFSET + FUNCTION_INDEX.Buyer))
    const fnPublic = HDKey.fromExtendedKey(deriveFunctionNode(root, 'Seller').publicExtendedKey)
    assert.throws(() => fnPublic.deriveChild(HARDENED_OFFSET + 1))
  })

  test('parent xpub + leaked child key: recovers the parent when non-hardened, not with our hardened levels', () => {
    const root = createOrganisationRoot(MNEMONIC)
    const fnNode = deriveFunctionNode(root, 'Seller')
    const fnPrivate = bytesToBigInt(fnNode.privateKey!)

    // Control: the classic attack succeeds against a non-hardened child.
    const nonHardened = fnNode.deriveChild(0)
    assert.equal(parentFromPublicDerivation(fnNode, bytesToBigInt(nonHardened.privateKey!), 0), fnPrivate)

    // Our level keys are hardened: the same attacker learns nothing about the function node.
    const leaked = deriveFunctionKey(root, 'Seller', 0)
    for (const index of [0, HARDENED_OFFSET]) {
      assert.notEqual(parentFromPublicDerivation(fnNode, BigInt(leaked.privateKey), index), fnPrivate)
    }
  })

  test('a leaked level node (key + chain code) reaches only its own subtree', () => {
    const root = createOrganisationRoot(MNEMONIC)
    const leaked = HDKey.fromExtendedKey(root.derive(functionKeyPath('Seller', 0)).privateExtendedKey)
    const others = new Set(
      roles.flatMap((role) => [0, 1, 2].map((level) => deriveFunctionKey(root, role, level).address)),
    )
    others.delete(deriveFunctionKey(root, 'Seller', 0).address)
    for (const index of [0, 1, 2, HARDENED_OFFSET, HARDENED_OFFSET + 1, HARDENED_OFFSET + 2]) {
      assert.ok(!others.has(privateKeyToAddress(bytesToHex(leaked.deriveChild(index).privateKey!))))
    }
    assert.equal(leaked.depth, 5)
  })

  test('a delegated function node derives exactly that role, and is checked', () => {
    const node = deriveFunctionNode(MNEMONIC, 'Storage', { account: 2 })
    for (const level of [0, 3]) {
      assert.deepEqual(
        deriveFunctionKeyFromNode(node, 'Storage', level, { account: 2 }),
        deriveFunctionKey(MNEMONIC, 'Storage', level, { account: 2 }),
      )
    }
    assert.throws(() => deriveFunctionKeyFromNode(node, 'Compute', 0), InvalidRootKeyError)
    assert.throws(() => deriveFunctionKeyFromNode(HDKey.fromExtendedKey(node.publicExtendedKey), 'Storage', 0), InvalidRootKeyError)
  })
})

/**
 * BIP-32 public derivation run backwards: assumes `childKey` = parse256(IL) + k_par where
 * IL = HMAC-SHA512(c_par, serP(K_par) || ser32(index)), which holds only for non-hardened
 * children. Returns the candidate parent private key.
 */
function parentFromPublicDerivation(parent: HDKey, childKey: bigint, index: number): bigint {
  const data = new Uint8Array(37)
  data.set(parent.publicKey!, 0)
  new DataView(data.buffer).setUint32(33, index >>> 0, false)
  const il = bytesToBigInt(hmac(sha512, parent.chainCode!, data).slice(0, 32))
  return (((childKey - il) % n) + n) % n
}
