/**
 * The node's off-chain services on one data directory: the database, the chain indexer
 * feeding it, and the encrypted storage provider. Opened after the chain and contracts,
 * closed before them.
 */
import pino from 'pino'
import type { Deployment } from '../chain/deploy.ts'
import { openDatabase, type BourseDatabase } from '../db/index.ts'
import { Indexer } from '../indexer/Indexer.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { loadOrCreateMasterKey, StorageProvider } from '../storage/index.ts'
import { sdkSupervisionChain } from '../supervision/sdkChain.ts'
import { SupervisionService } from '../supervision/SupervisionService.ts'
import { ComputeService } from '../tee/ComputeService.ts'
import { embeddedDevelopmentPolicy, productionPolicy } from '../tee/policy.ts'
import { hardwareVerifiers } from '../tee/evidence/index.ts'
import type { ChainConnection } from './connection.ts'
import type { DataDir, NodeConfig } from './dataDir.ts'
import { listOrganisations, loadOrganisation } from './organisations.ts'

export interface NodeServices {
  database: BourseDatabase
  indexer: Indexer
  /** Absent when no local organisation has an active Storage key. */
  storage: StorageProvider | undefined
  /** Absent when no local organisation holds the platform (treasury) key, or supervision is off. */
  supervision: SupervisionService | undefined
  /** Absent when tee.enabled is false or no local organisation has an active Compute key. */
  compute: ComputeService | undefined
  close(): Promise<void>
}

export interface OpenNodeServicesParameters {
  dataDir: DataDir
  config: NodeConfig
  connection: ChainConnection
  client: BourseClient
  deployment: Deployment
  /** `--database` flag (over BOURSE_DATABASE, over config.json). */
  database?: string
  log?: (line: string) => void
}

/** Where the database is: flag, then BOURSE_DATABASE, then config.json, then the data directory. */
export function databaseLocation(p: Pick<OpenNodeServicesParameters, 'database' | 'config' | 'dataDir'>): string {
  return p.database ?? process.env.BOURSE_DATABASE ?? p.config.database ?? p.dataDir.root
}

/** Redacts a password in a database URL for logs. */
const safe = (location: string) => location.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')

export async function openNodeServices(p: OpenNodeServicesParameters): Promise<NodeServices> {
  const log = p.log ?? (() => {})
  const location = databaseLocation(p)
  const database = await openDatabase(location)
  log(`database: ${database.dialect} at ${safe(database.location)}`)
  const embedded = Boolean(p.connection.embedded)
  const indexer = new Indexer({
    db: database.db,
    publicClient: p.connection.publicClient,
    deployment: p.deployment,
    confirmations: p.config.indexer?.confirmations ?? (embedded ? 0 : 12),
    reorgDepth: p.config.indexer?.reorgDepth ?? (embedded ? 0 : 64),
    logger: pino({ level: process.env.BOURSE_LOG_LEVEL ?? 'warn', base: { component: 'indexer' } }, pino.destination(2)),
  })
  let storage: StorageProvider | undefined
  let supervision: SupervisionService | undefined
  let compute: ComputeService | undefined
  try {
    indexer.start()
    if (p.config.storage?.enabled !== false) {
      const orgName = p.config.storage?.org ?? p.config.operator
      const org = await loadOrganisation(p.dataDir, orgName)
      const key = org.key('Storage')
      if (await p.client.isActive(key.address, 'Storage')) {
        storage = await StorageProvider.open({
          dataDir: p.dataDir.root,
          masterKey: await loadOrCreateMasterKey(p.dataDir.masterKey),
          client: p.client,
          actor: p.client.as(key),
        })
        const resumed = await storage.resumeConfirmations()
        log(`storage provider: serving with ${orgName}'s Storage key ${key.address}${resumed.length ? `; confirmed ${resumed.length} downloads served before a restart` : ''}`)
      } else {
        log(`storage provider: off (${orgName} has no active Storage key)`)
      }
    }
    supervision = await openSupervision(p, database, storage, log)
    if (supervision) {
      indexer.on('progress', () => supervision!.poke())
      await supervision.start()
    }
    // An enclave that cannot start (image build, process launch) leaves the node serving everything else.
    compute = await openCompute(p, log).catch((error: Error) => {
      log(`tee: off (the enclave runtime did not start: ${error.message})`)
      return undefined
    })
  } catch (error) {
    await compute?.close().catch(() => undefined)
    await supervision?.stop().catch(() => undefined)
    await indexer.stop()
    await storage?.close().catch(() => undefined)
    await database.close()
    throw error
  }
  return {
    database,
    indexer,
    storage,
    supervision,
    compute,
    async close() {
      await indexer.stop()
      await compute?.close()
      await supervision?.stop()
      await storage?.close()
      await database.close()
    },
  }
}

/**
 * The supervision service, on the node holding the platform's keys: the local organisation
 * whose Platform key is the Marketplace treasury produces and anchors every trade's records.
 */
async function openSupervision(p: OpenNodeServicesParameters, database: BourseDatabase, storage: StorageProvider | undefined, log: (line: string) => void): Promise<SupervisionService | undefined> {
  if (p.config.supervision?.enabled === false) return undefined
  if (!p.deployment.supervision) {
    log('supervision: off (the deployment has no Supervision contract)')
    return undefined
  }
  for (const name of listOrganisations(p.dataDir)) {
    const org = await loadOrganisation(p.dataDir, name)
    const platformKey = org.key('Platform')
    if (platformKey.address.toLowerCase() !== p.deployment.treasury.toLowerCase()) continue
    const service = new SupervisionService({
      db: database.db,
      reader: database.reader,
      writer: database.writer,
      chain: sdkSupervisionChain(p.client, platformKey),
      chainId: p.deployment.chainId,
      contract: p.deployment.supervision,
      platformKey: platformKey.address,
      feeBps: p.deployment.feeBps,
      windows: p.deployment.windows,
      producer: { org: org.admin.address, encryptionKey: org.encryptionKey.privateKey },
      assetSize: async (contentHash) => {
        if (!storage) return null
        try {
          return (await storage.store.stat(contentHash)).size
        } catch {
          return null // not held here
        }
      },
      ...(p.config.supervision?.maxBatchRecords ? { maxBatchRecords: p.config.supervision.maxBatchRecords } : {}),
      ...(p.config.supervision?.maxDelayMs ? { maxDelayMs: p.config.supervision.maxDelayMs } : {}),
      logger: pino({ level: process.env.BOURSE_LOG_LEVEL ?? 'warn', base: { component: 'supervision' } }, pino.destination(2)),
    })
    log(`supervision: producing and anchoring records as ${name} (platform key ${platformKey.address})`)
    return service
  }
  log('supervision: off (no local organisation holds the platform key)')
  return undefined
}

/**
 * Confidential computing, on the node whose organisation (config `tee.org`, default the
 * operator) has an active Compute key: the simulated enclave (this machine has no TEE) under
 * the embedded-development policy on the embedded chain, the production policy elsewhere. On
 * the embedded chain the operator is governance and first supervisor, so it registers and
 * approves the running image's measurement itself; on a shared chain that is the alliance's
 * decision (`bourse enclave propose` / `approve`).
 */
async function openCompute(p: OpenNodeServicesParameters, log: (line: string) => void): Promise<ComputeService | undefined> {
  if (p.config.tee?.enabled === false) return undefined
  if (!p.deployment.enclaves) {
    log('tee: off (the deployment has no EnclaveRegistry)')
    return undefined
  }
  const orgName = p.config.tee?.org ?? p.config.operator
  const org = await loadOrganisation(p.dataDir, orgName)
  const computeKey = org.key('Compute')
  if (!(await p.client.isActive(computeKey.address, 'Compute'))) {
    log(`tee: off (${orgName} has no active Compute key)`)
    return undefined
  }
  const embedded = Boolean(p.connection.embedded)
  const policyName = p.config.tee?.policy ?? (embedded ? 'embedded-development' : 'production')
  const isGovernance = org.admin.address.toLowerCase() === p.deployment.governance.toLowerCase()
  const compute = await ComputeService.open({
    dataDir: p.dataDir.root,
    client: p.client,
    computeKey,
    masterKey: await loadOrCreateMasterKey(p.dataDir.masterKey),
    policy: policyName === 'production' ? productionPolicy : embeddedDevelopmentPolicy,
    hardwareVerifiers: hardwareVerifiers({ sgxCollateralFile: p.config.tee?.sgxCollateral }),
    registrar: embedded && isGovernance && (await p.client.isActive(org.key('Supervisor').address, 'Supervisor')) ? { governance: org.admin, supervisorKey: org.key('Supervisor') } : undefined,
    log: (line) => log(line),
  })
  const status = await compute.status()
  log(`tee: ${status.platform} enclave ${status.measurement} under the ${status.policy} policy, approved for ${status.approvedFor.join(', ') || 'no job kind'} (Compute key ${computeKey.address})`)
  return compute
}
