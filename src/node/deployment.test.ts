/**
 * The node's deployment record and bootstrap: a first start deploys everything including
 * Supervision (the operator oversees every channel and publishes its encryption key, derived
 * at m/44'/60'/0'/200'/0'); a deployment.json written before Supervision existed is upgraded
 * by the governance operator and refused by any other node.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { ConfigError } from '../errors/node.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { createDevnet } from '../testing/devnet.ts'
import type { ChainConnection } from './connection.ts'
import { DataDir } from './dataDir.ts'
import { ensureDeployment, readDeployment } from './deployment.ts'
import { createOrganisation } from './organisations.ts'

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function dataDir(): DataDir {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-deployment-'))
  dirs.push(dir)
  return new DataDir(dir)
}

test('first start: Supervision deployed, the operator oversees every channel and has published its HD encryption key', async () => {
  const net = await createDevnet()
  const conn = { publicClient: net.publicClient, walletFor: net.wallet } as unknown as ChainConnection
  const dir = dataDir()
  const { org: operator, mnemonic } = await createOrganisation(dir, 'operator')
  const { deployment, created } = await ensureDeployment(conn, dir, operator)
  assert.equal(created, true)
  assert.deepEqual(readDeployment(dir), deployment)

  // The encryption key is the HD key at m/44'/60'/0'/200'/0' (not a signing key of any role).
  const hd = mnemonicToAccount(mnemonic, { path: "m/44'/60'/0'/200'/0'" })
  const secret = hd.getHdKey().privateKey!
  assert.deepEqual(operator.encryptionKey.privateKey, secret)
  assert.equal(operator.encryptionKey.publicKey, bytesToHex(secp256k1.getPublicKey(secret, true)))
  assert.ok(!JSON.stringify(operator.encryptionKey).includes(bytesToHex(secret).slice(2)), 'the private key is not serialised')

  const client = new BourseClient({ publicClient: net.publicClient, walletFor: net.wallet, deployment })
  assert.equal(await client.encryptionKeyOf(operator.admin.address), operator.encryptionKey.publicKey)
  assert.deepEqual(await client.overseers(), [operator.admin.address])
})

test('an old deployment.json without Supervision: the governance operator deploys it and rewrites the file; another node refuses', async () => {
  const net = await createDevnet()
  const conn = { publicClient: net.publicClient, walletFor: net.wallet } as unknown as ChainConnection
  const dir = dataDir()
  const { org: operator } = await createOrganisation(dir, 'operator')
  const { deployment: original } = await ensureDeployment(conn, dir, operator)

  // What a node of an older version recorded: no Supervision, no EnclaveRegistry.
  const { supervision: _, enclaves: _e, ...old } = original
  writeFileSync(dir.deployment, `${JSON.stringify(old, null, 2)}\n`)
  assert.throws(() => readDeployment(dir), (e: unknown) => e instanceof ConfigError && /records no Supervision and no EnclaveRegistry contract/.test(e.shortMessage))

  // Another organisation's node with that file cannot pick a Supervision contract for the alliance.
  const other = dataDir()
  const { org: stranger } = await createOrganisation(other, 'stranger')
  writeFileSync(other.deployment, `${JSON.stringify(old, null, 2)}\n`)
  await assert.rejects(ensureDeployment(conn, other, stranger), (e: unknown) => e instanceof ConfigError && /not the deployment's governance/.test(e.shortMessage))

  const lines: string[] = []
  const { deployment, created } = await ensureDeployment(conn, dir, operator, {}, (l) => lines.push(l))
  assert.equal(created, false)
  assert.notEqual(deployment.supervision.toLowerCase(), original.supervision.toLowerCase(), 'a new Supervision contract')
  assert.notEqual(deployment.enclaves.toLowerCase(), original.enclaves.toLowerCase(), 'a new EnclaveRegistry')
  assert.deepEqual({ ...deployment, supervision: undefined, enclaves: undefined }, { ...original, supervision: undefined, enclaves: undefined }, 'everything else as recorded')
  assert.deepEqual(JSON.parse(readFileSync(dir.deployment, 'utf8')), deployment)
  assert.match(lines.join('\n'), /deployed Supervision and EnclaveRegistry/)
  const client = new BourseClient({ publicClient: net.publicClient, walletFor: net.wallet, deployment })
  assert.deepEqual(await client.overseers(), [operator.admin.address])
  assert.equal(await client.encryptionKeyOf(operator.admin.address), operator.encryptionKey.publicKey)

  // Started again: the record is complete, nothing is deployed.
  const nonces = () => Promise.all([operator.admin, operator.key('Supervisor')].map((a) => net.publicClient.getTransactionCount({ address: a.address })))
  const before = await nonces()
  assert.deepEqual(await ensureDeployment(conn, dir, operator), { deployment, created: false })
  assert.deepEqual(await nonces(), before, 'nothing sent')

  // A record from the version with Supervision but before the EnclaveRegistry: only that is added.
  const { enclaves: _old, ...withoutEnclaves } = deployment
  writeFileSync(dir.deployment, `${JSON.stringify(withoutEnclaves, null, 2)}\n`)
  assert.throws(() => readDeployment(dir), (e: unknown) => e instanceof ConfigError && /records no EnclaveRegistry contract/.test(e.shortMessage))
  const upgraded = await ensureDeployment(conn, dir, operator)
  assert.equal(upgraded.deployment.supervision, deployment.supervision, 'Supervision kept')
  assert.notEqual(upgraded.deployment.enclaves.toLowerCase(), deployment.enclaves.toLowerCase())
  assert.notEqual(await net.publicClient.getCode({ address: upgraded.deployment.enclaves }), undefined)
})
