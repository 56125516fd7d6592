import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { inspect } from 'node:util'
import { mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { bytesToHex } from 'viem'
import {
  InvalidMnemonicError,
  InvalidOrganisationNameError,
  InvalidScryptParametersError,
  KeystoreClosedError,
  KeystoreEncryptionMismatchError,
  KeystoreExistsError,
  KeystoreFormatError,
  KeystoreLockedError,
  KeystoreNotFoundError,
  KeystoreTamperedError,
  KeystoreWrongPassphraseError,
  UnknownRoleError,
  WeakPassphraseError,
} from '../errors/identity.ts'
import { createOrganisationRoot, deriveFunctionKey } from './hdTree.ts'
import {
  changeKeystorePassphrase,
  createKeystore,
  DEFAULT_SCRYPT,
  importKeystore,
  listKeystoreAddresses,
  readKeystoreInfo,
  rotateKeystoreKey,
  unlockKeystore,
  type KeystoreWarningHandler,
} from './keystore.ts'
import { roles } from './roles.ts'

const MNEMONIC = 'test test test test test test test test test test test junk'
const PASSPHRASE = 'correct horse battery staple'
const FAST = { N: 2 ** 10, r: 8, p: 1 } // tests only; defaults are DEFAULT_SCRYPT
const silent: KeystoreWarningHandler = () => {}

let dir: string
let counter = 0
const nextPath = () => join(dir, `org-${++counter}`, 'keystore.json')

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'databourse-keystore-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function readJson(path: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(path, 'utf8'))
}

async function editJson(path: string, edit: (file: Record<string, any>) => void): Promise<void> {
  const file = await readJson(path)
  edit(file)
  await writeFile(path, JSON.stringify(file))
}

describe('create, import, unlock', () => {
  test('create writes an encrypted 0600 file with no secret in it, and unlock restores the mnemonic', async () => {
    const path = nextPath()
    const { mnemonic, keystore } = await createKeystore({ path, org: 'Acme Data Ltd', passphrase: PASSPHRASE, scrypt: FAST })
    assert.equal(mnemonic.split(' ').length, 24)
    assert.equal((await stat(path)).mode & 0o777, 0o600)

    const text = await readFile(path, 'utf8')
    const file = JSON.parse(text)
    assert.equal(file.format, 'databourse-keystore')
    assert.equal(file.version, 1)
    assert.equal(file.encryption, 'scrypt-aes-256-gcm')
    assert.deepEqual(file.kdf.N, FAST.N)
    assert.equal(file.mnemonic, undefined)
    assert.ok(!text.includes(mnemonic.split(' ').slice(0, 3).join(' ')))
    assert.ok(!text.includes(bytesToHex(mnemonicToEntropy(mnemonic, wordlist)).slice(2)))
    assert.deepEqual(await readdir(join(path, '..')), ['keystore.json'], 'no temp or lock file left behind')

    const unlocked = await unlockKeystore({ path, passphrase: PASSPHRASE })
    assert.equal(unlocked.mnemonic, mnemonic)
    assert.equal(unlocked.org, 'Acme Data Ltd')
    assert.deepEqual(unlocked.levels, Object.fromEntries(roles.map((r) => [r, 0])))
    const root = createOrganisationRoot(mnemonic)
    for (const role of roles) {
      const expected = deriveFunctionKey(root, role, 0)
      assert.equal(file.addresses[role], expected.address)
      assert.deepEqual(unlocked.key(role), expected)
      assert.equal(listKeystoreAddresses(unlocked)[role].address, expected.address)
    }
    assert.equal(keystore.key('Buyer').address, unlocked.key('Buyer').address)
  })

  test('the default scrypt cost is strong and is what create uses', async () => {
    assert.deepEqual({ ...DEFAULT_SCRYPT }, { N: 2 ** 17, r: 8, p: 1 })
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC })
    const { kdf } = await readJson(path)
    assert.deepEqual([kdf.N, kdf.r, kdf.p], [2 ** 17, 8, 1])
    assert.equal((await unlockKeystore({ path, passphrase: PASSPHRASE })).mnemonic, MNEMONIC)
  })

  test('import validates the mnemonic, normalises it, and honours given levels and account', async () => {
    const bad = nextPath()
    await assert.rejects(
      importKeystore({ path: bad, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC.replace('junk', 'test'), scrypt: FAST }),
      InvalidMnemonicError,
    )
    await assert.rejects(stat(bad), { code: 'ENOENT' })

    const path = nextPath()
    const keystore = await importKeystore({
      path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: ` ${MNEMONIC.toUpperCase()} `,
      account: 4, levels: { Storage: 3 }, scrypt: FAST,
    })
    assert.equal(keystore.mnemonic, MNEMONIC)
    assert.equal(keystore.levels.Storage, 3)
    assert.equal(keystore.levels.Seller, 0)
    assert.deepEqual(keystore.key('Storage'), deriveFunctionKey(MNEMONIC, 'Storage', 3, { account: 4 }))
    assert.equal((await readKeystoreInfo(path)).addresses.Storage, keystore.key('Storage').address)
  })

  test('refuses to overwrite, and rejects weak passphrases and bad names before touching disk', async () => {
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const before = await readFile(path, 'utf8')
    await assert.rejects(createKeystore({ path, org: 'Other', passphrase: PASSPHRASE, scrypt: FAST }), KeystoreExistsError)
    assert.equal(await readFile(path, 'utf8'), before)

    await assert.rejects(createKeystore({ path: nextPath(), org: 'Acme', passphrase: 'short', scrypt: FAST }), WeakPassphraseError)
    await assert.rejects(createKeystore({ path: nextPath(), org: '  ', passphrase: PASSPHRASE, scrypt: FAST }), InvalidOrganisationNameError)
    await assert.rejects(
      createKeystore({ path: nextPath(), org: 'Acme', passphrase: PASSPHRASE, scrypt: { N: 1000, r: 8, p: 1 } }),
      InvalidScryptParametersError,
    )
  })

  test('unlocked keystores do not leak the mnemonic, and close() wipes them', async () => {
    const keystore = await importKeystore({ path: nextPath(), org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const privateKey = keystore.key('Seller').privateKey
    for (const shown of [JSON.stringify(keystore), inspect(keystore, { showHidden: true, depth: 5 }), String(keystore)]) {
      assert.ok(!shown.includes('junk'))
      assert.ok(!shown.includes(privateKey.slice(2)))
    }
    keystore.close()
    assert.throws(() => keystore.mnemonic, KeystoreClosedError)
    assert.throws(() => keystore.key('Seller'), KeystoreClosedError)
  })
})

describe('unlock failures are typed', () => {
  test('missing file, wrong passphrase, not JSON, bad fields, hostile KDF cost', async () => {
    await assert.rejects(unlockKeystore({ path: join(dir, 'nope.json'), passphrase: PASSPHRASE }), KeystoreNotFoundError)

    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    await assert.rejects(unlockKeystore({ path, passphrase: 'not the passphrase' }), (err: unknown) => {
      assert.ok(err instanceof KeystoreWrongPassphraseError)
      assert.ok(!err.message.includes('not the passphrase'))
      return true
    })

    const garbage = nextPath()
    await importKeystore({ path: garbage, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    await writeFile(garbage, '{"format": "databourse-keystore", ')
    await assert.rejects(unlockKeystore({ path: garbage, passphrase: PASSPHRASE }), KeystoreFormatError)
    await editJson(path, (f) => { f.cipher.iv = 'zz' })
    await assert.rejects(unlockKeystore({ path, passphrase: PASSPHRASE }), /cipher\.iv/)

    const hostile = nextPath()
    await importKeystore({ path: hostile, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    await editJson(hostile, (f) => { f.kdf.N = 2 ** 30 })
    await assert.rejects(unlockKeystore({ path: hostile, passphrase: PASSPHRASE }), InvalidScryptParametersError)
  })

  test('any change to the authenticated header or ciphertext is detected', async () => {
    const edits: Array<(f: Record<string, any>) => void> = [
      (f) => { f.org = 'Evil Corp' },
      (f) => { f.levels.Seller = 1; f.addresses.Seller = deriveFunctionKey(MNEMONIC, 'Seller', 1).address }, // consistent but unauthenticated
      (f) => { f.cipher.ciphertext = f.cipher.ciphertext.replace(/.$/u, (c: string) => (c === '0' ? '1' : '0')) },
      (f) => { f.cipher.tag = `0x${'00'.repeat(16)}` },
      (f) => { f.createdAt = '2000-01-01T00:00:00.000Z' },
    ]
    for (const edit of edits) {
      const path = nextPath()
      await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
      await editJson(path, edit)
      await assert.rejects(unlockKeystore({ path, passphrase: PASSPHRASE }), KeystoreTamperedError)
    }
  })
})

describe('dev mode (empty passphrase)', () => {
  test('is explicit in the file, warns on write and on open, and cannot be opened with a passphrase', async () => {
    const warnings: string[] = []
    const onWarning: KeystoreWarningHandler = (w) => warnings.push(`${w.code}: ${w.message}`)
    const path = nextPath()
    await importKeystore({ path, org: 'Demo', passphrase: '', mnemonic: MNEMONIC, onWarning })
    const file = await readJson(path)
    assert.equal(file.encryption, 'none')
    assert.equal(file.mnemonic, MNEMONIC)
    assert.match(file.warning, /UNENCRYPTED/)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, /^DATABOURSE_UNENCRYPTED_KEYSTORE: UNENCRYPTED/)
    assert.ok(!warnings[0]!.includes('junk'))

    assert.equal((await unlockKeystore({ path, passphrase: '', onWarning })).key('Seller').address, deriveFunctionKey(MNEMONIC, 'Seller', 0).address)
    assert.equal(warnings.length, 2)
    await assert.rejects(unlockKeystore({ path, passphrase: PASSPHRASE, onWarning }), KeystoreEncryptionMismatchError)

    const encrypted = nextPath()
    await importKeystore({ path: encrypted, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    await assert.rejects(unlockKeystore({ path: encrypted, passphrase: '' }), KeystoreEncryptionMismatchError)
  })

  test('defaults to process.emitWarning, and detects edited addresses', async () => {
    const seen: Error[] = []
    const listener = (w: Error) => seen.push(w)
    process.on('warning', listener)
    const path = nextPath()
    try {
      await importKeystore({ path, org: 'Demo', passphrase: '', mnemonic: MNEMONIC })
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }
    assert.ok(seen.some((w) => (w as NodeJS.ErrnoException).code === 'DATABOURSE_UNENCRYPTED_KEYSTORE'))

    await editJson(path, (f) => { f.addresses.Buyer = '0x000000000000000000000000000000000000dEaD' })
    await assert.rejects(unlockKeystore({ path, passphrase: '', onWarning: silent }), KeystoreTamperedError)
  })
})

describe('rotation and passphrase change', () => {
  test('rotate moves one role to the next level, persists it, and keeps old levels derivable', async () => {
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const first = await rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Storage' })
    const second = await rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Storage' })
    assert.deepEqual(first.previous, { level: 0, path: "m/44'/60'/0'/3'/0'", address: deriveFunctionKey(MNEMONIC, 'Storage', 0).address })
    assert.deepEqual(first.current, { level: 1, path: "m/44'/60'/0'/3'/1'", address: deriveFunctionKey(MNEMONIC, 'Storage', 1).address })
    assert.equal(second.current.level, 2)
    assert.notEqual(second.current.address, first.current.address)

    const keystore = await unlockKeystore({ path, passphrase: PASSPHRASE })
    assert.equal(keystore.levels.Storage, 2)
    assert.equal(keystore.key('Storage').address, second.current.address)
    assert.equal(keystore.key('Storage', 0).address, first.previous.address)
    for (const role of roles.filter((r) => r !== 'Storage')) assert.equal(keystore.levels[role], 0)
    const info = await readKeystoreInfo(path)
    assert.equal(info.addresses.Storage, second.current.address)
    assert.equal(info.verified, false)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(join(path, '..')), ['keystore.json'])
  })

  test('rotate with the wrong passphrase changes nothing; works in dev mode too', async () => {
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const before = await readFile(path, 'utf8')
    await assert.rejects(rotateKeystoreKey({ path, passphrase: 'wrong passphrase', role: 'Seller' }), KeystoreWrongPassphraseError)
    await assert.rejects(rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Owner' as never }), UnknownRoleError)
    assert.equal(await readFile(path, 'utf8'), before)

    const dev = nextPath()
    await importKeystore({ path: dev, org: 'Demo', passphrase: '', mnemonic: MNEMONIC, onWarning: silent })
    const { current } = await rotateKeystoreKey({ path: dev, passphrase: '', role: 'Buyer', onWarning: silent })
    assert.equal(current.address, deriveFunctionKey(MNEMONIC, 'Buyer', 1).address)
    assert.equal((await readJson(dev)).levels.Buyer, 1)
  })

  test('concurrent writers are refused rather than losing an update; stale locks are broken', async () => {
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const results = await Promise.allSettled([
      rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Seller' }),
      rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Buyer' }),
    ])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.ok(rejected.reason instanceof KeystoreLockedError)
    const levels = (await readJson(path)).levels
    assert.equal(levels.Seller + levels.Buyer, 1)

    const dead = spawnSync(process.execPath, ['-e', '']).pid
    await writeFile(`${path}.lock`, String(dead))
    await rotateKeystoreKey({ path, passphrase: PASSPHRASE, role: 'Validator' })
    await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' })
  })

  test('changing the passphrase re-encrypts under a fresh salt; dev keystores can be upgraded', async () => {
    const path = nextPath()
    await importKeystore({ path, org: 'Acme', passphrase: PASSPHRASE, mnemonic: MNEMONIC, scrypt: FAST })
    const salt = (await readJson(path)).kdf.salt
    await changeKeystorePassphrase({ path, passphrase: PASSPHRASE, newPassphrase: 'a brand new passphrase', scrypt: FAST })
    assert.notEqual((await readJson(path)).kdf.salt, salt)
    await assert.rejects(unlockKeystore({ path, passphrase: PASSPHRASE }), KeystoreWrongPassphraseError)
    assert.equal((await unlockKeystore({ path, passphrase: 'a brand new passphrase' })).mnemonic, MNEMONIC)

    const dev = nextPath()
    await importKeystore({ path: dev, org: 'Demo', passphrase: '', mnemonic: MNEMONIC, onWarning: silent })
    await changeKeystorePassphrase({ path: dev, passphrase: '', newPassphrase: PASSPHRASE, scrypt: FAST, onWarning: silent })
    const upgraded = await readJson(dev)
    assert.equal(upgraded.encryption, 'scrypt-aes-256-gcm')
    assert.equal(upgraded.mnemonic, undefined)
    assert.equal((await unlockKeystore({ path: dev, passphrase: PASSPHRASE })).mnemonic, MNEMONIC)
  })
})
