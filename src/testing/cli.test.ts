/**
 * startCliAlliance through the real `bourse` executable: every organisation it creates (the
 * operator by the node's bootstrap, the others by `bourse org create`) has published the
 * encryption key derived from its keystore, and the operator oversees every channel.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { connectRpc } from '../node/connection.ts'
import { DataDir } from '../node/dataDir.ts'
import { readDeployment } from '../node/deployment.ts'
import { loadOrganisation } from '../node/organisations.ts'
import type { NodeInfo } from '../node/BourseNode.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { bourse, startCliAlliance } from './cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'bourse-cli-alliance-'))
after(() => {
  bourse(dir, ['stop'])
  rmSync(dir, { recursive: true, force: true })
})

test('startCliAlliance: every organisation published its encryption key; the operator oversees every channel', { timeout: 180_000 }, async () => {
  startCliAlliance(dir)
  const dataDir = new DataDir(dir)
  const info = JSON.parse(readFileSync(dataDir.nodeInfo, 'utf8')) as NodeInfo
  const conn = connectRpc({ rpcUrl: info.rpcUrl, chainId: info.chainId })
  const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment: readDeployment(dataDir) })
  for (const name of ['regulator', 'alpha', 'beta', 'delta']) {
    const org = await loadOrganisation(dataDir, name)
    assert.equal(await client.encryptionKeyOf(org.admin.address), org.encryptionKey.publicKey, name)
  }
  const operator = await loadOrganisation(dataDir, 'regulator')
  assert.deepEqual(await client.overseers(), [operator.admin.address])
})
