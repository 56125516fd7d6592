/**
 * The alliance's contract deployment as this node knows it (`<dataDir>/deployment.json`),
 * and the first-start bootstrap of an embedded chain: deploy the contracts with the
 * operator organisation as governance, platform (fee treasury) and first supervisor, which
 * oversees every supervision channel and publishes its encryption key.
 */
import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { deployContracts, deployEnclaveRegistry, deploySupervision, type Deployment } from '../chain/deploy.ts'
import { ConfigError, NotDeployedError } from '../errors/node.ts'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { appointSupervisor, bootstrapSupervision } from '../sdk/bootstrap.ts'
import type { ChainConnection } from './connection.ts'
import type { DataDir } from './dataDir.ts'
import type { LocalOrganisation } from './organisations.ts'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<`0x${string}`>
const deploymentSchema = z.object({
  chainId: z.number(),
  credit: address,
  alliance: address,
  pricing: address,
  marketplace: address,
  // Absent in deployment.json files written before the Supervision contract existed:
  // ensureDeployment deploys it and rewrites the file.
  supervision: address.optional(),
  // Absent in files written before the EnclaveRegistry existed (same upgrade path).
  enclaves: address.optional(),
  governance: address,
  treasury: address,
  feeBps: z.number(),
  windows: z.object({ accept: z.number(), download: z.number(), confirm: z.number(), arbitration: z.number() }),
  fromBlock: z.string(),
  pricingKind: z.enum(['dynamic', 'fixed']).optional(),
  categories: z.array(z.object({ id: z.number(), name: z.string() })).optional(),
})

type RecordedDeployment = z.infer<typeof deploymentSchema>

function readRecorded(dataDir: DataDir): RecordedDeployment {
  if (!existsSync(dataDir.deployment)) throw new NotDeployedError({ path: dataDir.deployment })
  return deploymentSchema.parse(JSON.parse(readFileSync(dataDir.deployment, 'utf8')))
}

/**
 * Reads deployment.json; throws {@link NotDeployedError} when there is none, and a
 * {@link ConfigError} when it predates the Supervision contract (the node deploys it on its
 * next start).
 */
export function readDeployment(dataDir: DataDir): Deployment {
  const recorded = readRecorded(dataDir)
  const missing = missingContracts(recorded)
  if (missing.length > 0) {
    throw new ConfigError(`${dataDir.deployment} records no ${missing.join(' and no ')} contract.`, {
      details: 'Start the node once (`bourse up`): it deploys the missing contracts and records them.',
    })
  }
  return complete(recorded)
}

/** Contracts added after the first deployments, missing from older deployment.json files. */
function missingContracts(recorded: RecordedDeployment): string[] {
  return [!recorded.supervision && 'Supervision', !recorded.enclaves && 'EnclaveRegistry'].filter((name): name is string => Boolean(name))
}

function complete(recorded: RecordedDeployment): Deployment {
  if (!recorded.supervision || !recorded.enclaves) throw new Error('deployment record is incomplete')
  return { ...recorded, supervision: recorded.supervision, enclaves: recorded.enclaves }
}

/**
 * Returns the recorded deployment when its marketplace has code on this chain (first adding
 * the Supervision contract to a record that predates it); otherwise deploys everything with
 * `operator` and bootstraps it as platform and supervisor overseeing every channel.
 */
export async function ensureDeployment(
  conn: ChainConnection,
  dataDir: DataDir,
  operator: LocalOrganisation,
  market: { feeBps?: number; windows?: Partial<Deployment['windows']> } = {},
  log: (line: string) => void = () => {},
): Promise<{ deployment: Deployment; created: boolean }> {
  if (existsSync(dataDir.deployment)) {
    const recorded = readRecorded(dataDir)
    const code = await conn.publicClient.getCode({ address: recorded.marketplace })
    if (code && code !== '0x') {
      if (missingContracts(recorded).length === 0) return { deployment: complete(recorded), created: false }
      return { deployment: await addMissingContracts(conn, dataDir, operator, recorded, log), created: false }
    }
    log(`deployment.json names ${recorded.marketplace}, which has no code on this chain: deploying again`)
  }
  const governance = operator.admin
  const deployment = await deployContracts({
    publicClient: conn.publicClient,
    walletClient: conn.walletFor(governance),
    account: governance,
    treasury: operator.key('Platform').address,
    feeBps: market.feeBps,
    windows: market.windows,
  })
  const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment })
  // The operator is the platform, the first supervisor, the node's storage provider and its
  // compute provider (the enclave runtime's Compute key anchors job results).
  await client.as(operator.admin).applyForMembership(operator.name, ['Platform', 'Storage', 'Compute'])
  await appointSupervisor(client, governance, { name: operator.name, admin: operator.admin, supervisorKey: operator.key('Supervisor') })
  await client.as(operator.admin).bindKey('Platform', operator.key('Platform').address)
  await client.as(operator.admin).bindKey('Storage', operator.key('Storage').address)
  await client.as(operator.admin).bindKey('Compute', operator.key('Compute').address)
  await bootstrapSupervision(client, { admin: operator.admin, supervisorKey: operator.key('Supervisor'), encryptionPublicKey: operator.encryptionKey.publicKey })
  await writeFileAtomic(dataDir.deployment, `${JSON.stringify(deployment, null, 2)}\n`)
  log(`deployed marketplace ${deployment.marketplace}, alliance ${deployment.alliance}, credit ${deployment.credit}, supervision ${deployment.supervision}, enclaves ${deployment.enclaves}`)
  return { deployment, created: true }
}

/**
 * Upgrades a deployment recorded before the Supervision contract or the EnclaveRegistry
 * existed: deploys what is missing against the recorded Alliance and Marketplace, has the
 * operator oversee every channel and publish its encryption key (each when it may), and
 * rewrites deployment.json. Only the deployment's governance does this: every node of an
 * alliance must use the same contracts, so other nodes wait for the shared deployment.json.
 */
async function addMissingContracts(
  conn: ChainConnection,
  dataDir: DataDir,
  operator: LocalOrganisation,
  recorded: RecordedDeployment,
  log: (line: string) => void,
): Promise<Deployment> {
  const missing = missingContracts(recorded)
  if (recorded.governance.toLowerCase() !== operator.admin.address.toLowerCase()) {
    throw new ConfigError(`${dataDir.deployment} records no ${missing.join(' and no ')} contract, and this node's operator "${operator.name}" is not the deployment's governance.`, {
      details: `The governance (${recorded.governance}) deploys it once for the alliance; then copy its deployment.json here.`,
    })
  }
  const deploying = { publicClient: conn.publicClient, walletClient: conn.walletFor(operator.admin), account: operator.admin, alliance: recorded.alliance }
  const supervision = recorded.supervision ?? (await deploySupervision({ ...deploying, marketplace: recorded.marketplace }))
  const enclaves = recorded.enclaves ?? (await deployEnclaveRegistry(deploying))
  const deployment: Deployment = { ...recorded, supervision, enclaves }
  if (!recorded.supervision) {
    const client = new BourseClient({ publicClient: conn.publicClient, walletFor: conn.walletFor, deployment })
    await bootstrapSupervision(client, { admin: operator.admin, supervisorKey: operator.key('Supervisor'), encryptionPublicKey: operator.encryptionKey.publicKey })
  }
  await writeFileAtomic(dataDir.deployment, `${JSON.stringify(deployment, null, 2)}\n`)
  log(`deployed ${missing.join(' and ')} for the recorded deployment (marketplace ${recorded.marketplace}): supervision ${supervision}, enclaves ${enclaves}`)
  return deployment
}
