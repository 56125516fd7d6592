/** The data directory keyring: the keys of local organisations, including one created while the node runs. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { DataDir } from '../node/dataDir.ts'
import { createOrganisation } from '../node/organisations.ts'
import { dataDirKeyring } from './keyring.ts'

describe('dataDirKeyring', () => {
  const root = mkdtempSync(join(tmpdir(), 'bourse-keyring-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  test('finds an organisation created after the last scan at once, and never a stranger', async () => {
    const dataDir = new DataDir(root)
    const keyring = dataDirKeyring(dataDir, { rescanIntervalMs: 60_000 })
    const alpha = (await createOrganisation(dataDir, 'alpha')).org
    assert.deepEqual(await keyring.find(alpha.key('Seller').address).then((k) => [k?.org, k?.role]), ['alpha', 'Seller'])
    // A second organisation right away: the long interval does not hide it, since the set of files changed.
    const beta = (await createOrganisation(dataDir, 'beta')).org
    const found = await keyring.find(beta.admin.address)
    assert.deepEqual([found?.org, found?.role, found?.account.address], ['beta', 'Admin', beta.admin.address])
    assert.equal(await keyring.find(privateKeyToAccount(generatePrivateKey()).address), undefined)
  })
})
