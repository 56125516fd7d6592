import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BaseError } from './base.ts'
import * as errors from './identity.ts'

test('identity error messages (inline snapshots)', () => {
  const cases: Array<[BaseError, string, string]> = [
    [
      new errors.InvalidMnemonicError({ reason: 'unknown-word', wordCount: 24, position: 5 }),
      'InvalidMnemonicError',
      'Invalid mnemonic: word #5 is not in the BIP-39 English word list.\n\nDocs: src/identity/README.md',
    ],
    [
      new errors.KeystoreWrongPassphraseError({ path: '/data/acme.json' }),
      'KeystoreWrongPassphraseError',
      'Wrong passphrase for keystore "/data/acme.json".',
    ],
    [
      new errors.KeystoreTamperedError({ path: '/data/acme.json' }),
      'KeystoreTamperedError',
      'Keystore "/data/acme.json" was modified outside databourse: its content does not authenticate.\n\n' +
        'Restore the file from a backup, or re-import the organisation mnemonic.\n\nDocs: src/identity/README.md',
    ],
    [
      new errors.RecoveryInsufficientSharesError({ have: 2, need: 3 }),
      'RecoveryInsufficientSharesError',
      'Not enough recovery shares: 2 given, 3 needed.\n\nDocs: src/identity/README.md',
    ],
    [
      new errors.InvalidRootKeyError({ depth: 3, hasPrivateKey: false, expected: 'master key' }),
      'InvalidRootKeyError',
      'Expected an organisation master key (private HD key).\n\nDocs: src/identity/README.md\nDetails: got a depth-3 public-only key',
    ],
    [
      new errors.UnknownRoleError({ role: 'owner' }),
      'UnknownRoleError',
      'Unknown role "owner".\n\nRoles: Seller, Buyer, Platform, Storage, Compute, Arbitrator, Supervisor, Validator (enum index 0-7).',
    ],
  ]
  for (const [error, name, message] of cases) {
    assert.ok(error instanceof BaseError)
    assert.equal(error.name, name)
    assert.equal(error.message, message)
  }
})

test('every identity error class is a named BaseError', () => {
  for (const [exported, value] of Object.entries(errors)) {
    if (typeof value !== 'function') continue
    assert.ok(value.prototype instanceof BaseError, exported)
  }
})
