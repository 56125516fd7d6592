import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from 'viem'
import {
  EscrowFormatError,
  EscrowTamperedError,
  InvalidRegistrationIdentityError,
  InvalidShareParametersError,
  RecoveryIdentityMismatchError,
  RecoveryInsufficientSharesError,
  RecoveryKeyMismatchError,
  RecoveryShareFormatError,
  RecoveryShareMismatchError,
} from '../errors/identity.ts'
import { eciesDecrypt, eciesEncrypt } from './ecies.ts'
import { deriveFunctionKey, generateOrganisationMnemonic, organisationFingerprint } from './hdTree.ts'
import {
  createRecoveryKit,
  deriveRecoveryKey,
  escrowCommitment,
  parseRecoveryEscrow,
  recoverMnemonic,
  registrationIdentityDigest,
  type RecoveryEscrow,
  type RegistrationIdentity,
} from './recovery.ts'
import { decodeRecoveryShare, encodeRecoveryShare } from './recoveryShare.ts'

const identity: RegistrationIdentity = {
  registrationNumber: '91310000MA1K4AB12X',
  registeredAddress: '88 Century Avenue, Pudong, Shanghai',
  legalRepresentative: 'Li Wei',
}
const mnemonic = generateOrganisationMnemonic()
const kit = createRecoveryKit({ mnemonic, identity, threshold: 3, shares: 5, org: 'Acme Data Ltd' })

/** Flips the last hex digit of a hex string. */
const flip = (hex: string) => hex.replace(/.$/u, (c) => (c === '0' ? '1' : '0'))
const clone = (escrow: RecoveryEscrow): RecoveryEscrow => JSON.parse(JSON.stringify(escrow))

describe('recovery kit', () => {
  test('full round trip: any 3 of 5 officers + identity + escrow -> same mnemonic -> same keys', () => {
    const combos = [[0, 1, 2], [4, 2, 0], [1, 3, 4], [0, 1, 2, 3, 4]]
    for (const combo of combos) {
      const recovered = recoverMnemonic({ escrow: kit.escrow, identity, shares: combo.map((i) => kit.shares[i]!) })
      assert.equal(recovered, mnemonic)
    }
    const recovered = recoverMnemonic({ escrow: JSON.stringify(kit.escrow), identity, shares: kit.shares.slice(2) })
    assert.equal(deriveFunctionKey(recovered, 'Seller', 3).address, deriveFunctionKey(mnemonic, 'Seller', 3).address)
  })

  test('the escrow holds nothing in clear and describes itself', () => {
    const { escrow } = kit
    assert.equal(escrow.format, 'databourse-recovery-escrow')
    assert.equal(escrow.fingerprint, organisationFingerprint(mnemonic))
    assert.equal(escrow.identityDigest, registrationIdentityDigest(identity))
    assert.equal(escrow.recoveryPublicKey, kit.recoveryPublicKey)
    assert.deepEqual([escrow.threshold, escrow.shares, escrow.org], [3, 5, 'Acme Data Ltd'])
    const text = JSON.stringify(escrow)
    assert.ok(!text.includes(mnemonic.split(' ').slice(0, 2).join(' ')))
    assert.equal(kit.shares.length, 5)
    assert.deepEqual(kit.shares.map((s) => decodeRecoveryShare(s, 1).x), [1, 2, 3, 4, 5])
    assert.ok(kit.shares.every((s) => s.startsWith(`databourse-share:v1:${escrow.kit.slice(2)}:3:5:`)))
  })

  test('k-1 shares fail with a typed error, even when a share is repeated', () => {
    assert.throws(
      () => recoverMnemonic({ escrow: kit.escrow, identity, shares: kit.shares.slice(0, 2) }),
      (err: unknown) => err instanceof RecoveryInsufficientSharesError && /2 given, 3 needed/.test(err.message),
    )
    assert.throws(
      () => recoverMnemonic({ escrow: kit.escrow, identity, shares: [kit.shares[0]!, kit.shares[1]!, kit.shares[1]!] }),
      RecoveryInsufficientSharesError,
    )
    const repeated = [kit.shares[0]!, kit.shares[1]!, kit.shares[1]!, kit.shares[2]!]
    assert.equal(recoverMnemonic({ escrow: kit.escrow, identity, shares: repeated }), mnemonic, 'a repeated share counts once')
  })

  test('k-1 real shares plus a forged one do not decrypt (the secret is checked against the escrow key)', () => {
    const forged = decodeRecoveryShare(kit.shares[4]!, 5)
    forged.y[0]! ^= 1
    const shares = [kit.shares[0]!, kit.shares[1]!, encodeRecoveryShare(forged)]
    assert.throws(() => recoverMnemonic({ escrow: kit.escrow, identity, shares }), RecoveryKeyMismatchError)
    assert.throws(
      () => recoverMnemonic({ escrow: kit.escrow, identity, shares: [...kit.shares.slice(0, 3), encodeRecoveryShare(forged), kit.shares[4]!] }),
      RecoveryShareMismatchError,
      'two different shares with one index',
    )
  })

  test('wrong identity fails with a typed error; the identity is normalised', () => {
    const wrong = { ...identity, legalRepresentative: 'Wang Fang' }
    assert.throws(() => recoverMnemonic({ escrow: kit.escrow, identity: wrong, shares: kit.shares }), RecoveryIdentityMismatchError)
    const messy = {
      registrationNumber: ' 91310000ma1k4ab12x ',
      registeredAddress: '88  Century Avenue,\nPudong,   Shanghai',
      legalRepresentative: 'LI WEI',
    }
    assert.equal(recoverMnemonic({ escrow: kit.escrow, identity: messy, shares: kit.shares.slice(0, 3) }), mnemonic)
    assert.throws(() => registrationIdentityDigest({ ...identity, registeredAddress: '  ' }), InvalidRegistrationIdentityError)
  })

  test('even with the identity digest edited to match, a wrong identity derives the wrong key', () => {
    const wrong = { ...identity, registrationNumber: '91310000MA1K4AB12Y' }
    const escrow = { ...clone(kit.escrow), identityDigest: registrationIdentityDigest(wrong) }
    assert.throws(() => recoverMnemonic({ escrow, identity: wrong, shares: kit.shares }), RecoveryKeyMismatchError)
  })

  test('a tampered escrow fails with a typed error', () => {
    const edits: Array<[string, (e: RecoveryEscrow) => void, new (...args: never[]) => Error]> = [
      ['ciphertext', (e) => { e.ecies.ciphertext = flip(e.ecies.ciphertext) as `0x${string}` }, EscrowTamperedError],
      ['tag', (e) => { e.ecies.tag = flip(e.ecies.tag) as `0x${string}` }, EscrowTamperedError],
      ['iv', (e) => { e.ecies.iv = flip(e.ecies.iv) as `0x${string}` }, EscrowTamperedError],
      ['authenticated header', (e) => { e.org = 'Evil Corp' }, EscrowTamperedError],
      ['fingerprint', (e) => { e.fingerprint = '0x00000000' }, EscrowTamperedError],
      ['ephemeral key (other valid point)', (e) => {
        e.ecies.ephemeralPublicKey = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true))
      }, EscrowTamperedError],
      ['ephemeral key (not a point)', (e) => { e.ecies.ephemeralPublicKey = `0x02${'ff'.repeat(32)}` }, EscrowFormatError],
      ['kit', (e) => { e.kit = '0x00000000' }, EscrowFormatError],
      ['unknown field', (e) => { (e as Record<string, unknown>).note = 'x' }, EscrowFormatError],
      ['threshold', (e) => { e.threshold = 2 }, RecoveryShareMismatchError],
    ]
    for (const [what, edit, expected] of edits) {
      const escrow = clone(kit.escrow)
      edit(escrow)
      assert.throws(() => recoverMnemonic({ escrow, identity, shares: kit.shares.slice(0, 3) }), expected, what)
    }
    assert.throws(() => recoverMnemonic({ escrow: '{not json', identity, shares: kit.shares }), EscrowFormatError)
  })

  test('shares: typos are caught by the checksum, foreign kits are refused, paper formatting is tolerated', () => {
    const [first] = kit.shares as [string]
    const typo = first.replace(/:([0-9a-f])([0-9a-f]{63}):/u, (_m, c: string, rest: string) => `:${c === 'a' ? 'b' : 'a'}${rest}:`)
    assert.notEqual(typo, first)
    assert.throws(
      () => recoverMnemonic({ escrow: kit.escrow, identity, shares: [kit.shares[1]!, typo, kit.shares[2]!] }),
      (err: unknown) => err instanceof RecoveryShareFormatError && /#2 .*checksum/.test(err.message),
    )
    assert.throws(() => decodeRecoveryShare('hello', 1), RecoveryShareFormatError)

    const other = createRecoveryKit({ mnemonic, identity, threshold: 3, shares: 5 })
    assert.throws(
      () => recoverMnemonic({ escrow: kit.escrow, identity, shares: [kit.shares[0]!, kit.shares[1]!, other.shares[2]!] }),
      RecoveryShareMismatchError,
    )
    const wrapped = kit.shares.slice(0, 3).map((s) => `  ${s.toUpperCase().replace(/(.{20})/gu, '$1\n')}  `)
    assert.equal(recoverMnemonic({ escrow: kit.escrow, identity, shares: wrapped }), mnemonic)
  })

  test('kits are fresh every time and validate their parameters', () => {
    const again = createRecoveryKit({ mnemonic, identity, threshold: 3, shares: 5 })
    assert.notEqual(again.recoveryPublicKey, kit.recoveryPublicKey)
    assert.notEqual(again.escrow.ecies.ciphertext, kit.escrow.ecies.ciphertext)
    assert.throws(() => createRecoveryKit({ mnemonic, identity, threshold: 4, shares: 3 }), InvalidShareParametersError)
    const single = createRecoveryKit({ mnemonic, identity, threshold: 1, shares: 1 })
    assert.equal(recoverMnemonic({ escrow: single.escrow, identity, shares: single.shares }), mnemonic)
  })

  test('escrow commitments are canonical and change with any field', () => {
    const reordered = parseRecoveryEscrow(JSON.parse(JSON.stringify(kit.escrow, Object.keys(kit.escrow).reverse().concat(Object.keys(kit.escrow.ecies)))))
    assert.equal(escrowCommitment(reordered), escrowCommitment(kit.escrow))
    assert.match(escrowCommitment(kit.escrow), /^0x[0-9a-f]{64}$/u)
    assert.notEqual(escrowCommitment({ ...kit.escrow, org: 'Acme' }), escrowCommitment(kit.escrow))
  })
})

describe('building blocks', () => {
  test('the recovery key depends on both the secret and the identity', () => {
    const secret = new Uint8Array(32).fill(7)
    const a = deriveRecoveryKey(secret, identity)
    assert.deepEqual(deriveRecoveryKey(secret, identity), a, 'deterministic')
    assert.notEqual(deriveRecoveryKey(new Uint8Array(32).fill(8), identity).publicKey, a.publicKey)
    assert.notEqual(deriveRecoveryKey(secret, { ...identity, registeredAddress: 'elsewhere' }).publicKey, a.publicKey)
    assert.ok(secp256k1.utils.isValidSecretKey(a.privateKey))
  })

  test('ECIES: round trip, associated data bound, wrong key refused', () => {
    const recipient = secp256k1.utils.randomSecretKey()
    const publicKey = secp256k1.getPublicKey(recipient, true)
    const message = new TextEncoder().encode('entropy')
    const aad = new TextEncoder().encode('header')
    const sealed = eciesEncrypt(publicKey, message, aad)
    assert.deepEqual(eciesDecrypt(recipient, sealed, aad), message)
    assert.equal(eciesDecrypt(recipient, sealed, new TextEncoder().encode('other')), undefined)
    assert.equal(eciesDecrypt(secp256k1.utils.randomSecretKey(), sealed, aad), undefined)
    assert.deepEqual(eciesDecrypt(recipient, eciesEncrypt(secp256k1.getPublicKey(recipient, false), message), undefined), message)
    assert.throws(() => eciesEncrypt(hexToBytes(`0x02${'ff'.repeat(32)}`), message))
  })
})
