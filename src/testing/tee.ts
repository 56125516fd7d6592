/**
 * Confidential computing on a test world: an organisation with a Compute key joins, the
 * enclave image is built and launched as a simulated enclave, and its measurement is
 * proposed by governance and approved by the world's supervisor (as the embedded node does).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { joinAlliance } from '../sdk/bootstrap.ts'
import { ComputeService, type ComputeServiceParameters } from '../tee/ComputeService.ts'
import { embeddedDevelopmentPolicy } from '../tee/policy.ts'
import { newKeyAccount, type World } from './world.ts'

/**
 * @example
 * const compute = await worldCompute(w)
 * await compute.importDataset('alpha', { path: 'orders.csv.gz', name: 'retail' })
 */
export async function worldCompute(w: World, overrides: Partial<ComputeServiceParameters> = {}): Promise<ComputeService> {
  const admin = newKeyAccount()
  const computeKey = newKeyAccount()
  await joinAlliance(w.client, w.supervisor, { name: 'Omega Compute', admin, keys: { Compute: computeKey } })
  return ComputeService.open({
    dataDir: overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'bourse-tee-')),
    client: w.client,
    computeKey,
    masterKey: new Uint8Array(randomBytes(32)),
    policy: embeddedDevelopmentPolicy,
    registrar: { governance: w.governance.account, supervisorKey: w.supervisor.account },
    ...overrides,
  })
}
