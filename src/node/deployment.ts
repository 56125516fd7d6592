/**
 * The alliance's contract deployment as this node knows it (`<dataDir>/deployment.json`),
 * and the first-start bootstrap of an embedded chain: deploy the contracts with the
 * operator organisation as governance, platform (fee treasury) and first supervisor.
 */
import { existsSync, readFileSync } from 'node:fs'
import { z } from 'zod'
import { deployContracts, type Deployment } from '../chain/deploy.ts'
import { NotDeployedError } from '../errors/node.ts'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { appointSupervisor } from '../sdk/bootstrap.ts'
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
  governance: address,
  treasury: address,
  feeBps: z.number(),
  windows: z.object({ accept: z.number(), download: z.number(), confirm: z.number(), arbitration: z.number() }),
  fromBlock: z.string(),
  pricingKind: z.enum(['dynamic', 'fixed']).optional(),
  categories: z.array(z.object({ id: z.number(), name: z.string() })).optional(),
})

/** Reads deployment.json; throws {@link NotDeployedError} when there is none. */
export function readDeployment(dataDir: DataDir): Deployment {
  if (!existsSync(dataDir.deployment)) throw new NotDeployedError({ path: dataDir.deployment })
  return deploymentSchema.parse(JSON.parse(readFileSync(dataDir.deployment, 'utf8')))
}

/**
 * Returns the recorded deployment when its marketplace has code on this chain; otherwise
 * deploys everything with `operator` and bootstraps it as platform and supervisor.
 */
export async function ensureDeployment(
  conn: ChainConnection,
  dataDir: DataDir,
  operator: LocalOrganisation,
  market: { feeBps?: number; windows?: Partial<Deployment['windows']> } = {},
  log: (line: string) => void = () => {},
): Promise<{ deployment: Deployment; created: boolean }> {
  if (existsSync(dataDir.deployment)) {
    const deployment = readDeployment(dataDir)
    const code = await conn.publicClient.getCode({ address: deployment.marketplace })
    if (code && code !== '0x') return { deployment, created: false }
    log(`deployment.json names ${deployment.marketplace}, which has no code on this chain: deploying again`)
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
  // The operator is the platform, the first supervisor and the node's storage provider.
  await client.as(operator.admin).applyForMembership(operator.name, ['Platform', 'Storage'])
  await appointSupervisor(client, governance, { name: operator.name, admin: operator.admin, supervisorKey: operator.key('Supervisor') })
  await client.as(operator.admin).bindKey('Platform', operator.key('Platform').address)
  await client.as(operator.admin).bindKey('Storage', operator.key('Storage').address)
  await writeFileAtomic(dataDir.deployment, `${JSON.stringify(deployment, null, 2)}\n`)
  log(`deployed marketplace ${deployment.marketplace}, alliance ${deployment.alliance}, credit ${deployment.credit}`)
  return { deployment, created: true }
}
