/**
 * One databourse node: the chain (embedded, or an external JSON-RPC URL), the contract
 * deployment, and the standard Ethereum JSON-RPC endpoint on localhost, on one data directory.
 *
 * @example
 * const node = await BourseNode.start({ dataDir: new DataDir('.bourse') })
 * // ... node.rpcUrl serves the chain to any Ethereum tool
 * await node.stop()
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import type { Deployment } from '../chain/deploy.ts'
import { resolveApiConfig, type ApiConfigSources } from '../api/config.ts'
import { startNodeApi } from '../api/nodeApi.ts'
import type { ApiServer } from '../api/server.ts'
import { startJsonRpcServer, type JsonRpcServer } from '../chain/rpc/JsonRpcServer.ts'
import { NodeAlreadyRunningError } from '../errors/node.ts'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { processAlive } from '../platform/processAlive.ts'
import { BourseClient } from '../sdk/BourseClient.ts'
import { connectRpc, openEmbeddedChain, type ChainConnection } from './connection.ts'
import type { DataDir, NodeConfig } from './dataDir.ts'
import { ensureDeployment } from './deployment.ts'
import { loadOrganisation } from './organisations.ts'
import { RoundScheduler } from './RoundScheduler.ts'
import { openNodeServices, type NodeServices } from './services.ts'

/** What `<dataDir>/node.json` records while a node runs. */
export interface NodeInfo {
  pid: number
  rpcUrl: string
  /** The HTTP API, when it runs. */
  apiUrl?: string
  chainId: number
  startedAt: string
}

export interface StartNodeParameters {
  dataDir: DataDir
  /** Overrides of the configuration file (e.g. from command-line flags). */
  overrides?: { rpcPort?: number; rpcHost?: string; devMethods?: boolean }
  /**
   * Run the HTTP API (`bourse up` does), with these flags (`--api-port`, `--api-host`, `--no-api`)
   * over BOURSE_API_* and config.json `api`. Absent: no API (library and test use).
   */
  api?: NonNullable<ApiConfigSources['flags']>
  /** Open the database, indexer and storage provider even without the API. */
  services?: boolean
  /** Database location (`--database`): a PostgreSQL URL or a SQLite path; see services.ts for precedence. */
  database?: string
  log?: (line: string) => void
  onReplayProgress?: (done: number, total: number) => void
}

/** The running node of this data directory, if its process is alive. */
export function runningNode(dataDir: DataDir): NodeInfo | undefined {
  if (!existsSync(dataDir.nodeInfo)) return undefined
  try {
    const info = JSON.parse(readFileSync(dataDir.nodeInfo, 'utf8')) as NodeInfo
    return processAlive(info.pid) ? info : undefined
  } catch {
    return undefined
  }
}

export class BourseNode {
  private constructor(
    readonly dataDir: DataDir,
    readonly config: NodeConfig,
    readonly connection: ChainConnection,
    readonly deployment: Deployment,
    readonly client: BourseClient,
    readonly rpcServer: JsonRpcServer | undefined,
    readonly rpcUrl: string,
    readonly deployedNow: boolean,
    readonly roundScheduler: RoundScheduler | undefined,
    readonly apiServer: ApiServer | undefined,
    readonly services: NodeServices | undefined,
  ) {}

  static async start(p: StartNodeParameters): Promise<BourseNode> {
    const log = p.log ?? (() => {})
    const { dataDir } = p
    const running = runningNode(dataDir)
    if (running && running.pid !== process.pid) throw new NodeAlreadyRunningError({ dataDir: dataDir.root, pid: running.pid })
    const config = dataDir.readConfig()
    const chainConfig = { ...config.chain, ...p.overrides }

    let services: NodeServices | undefined
    const connection =
      chainConfig.mode === 'embedded'
        ? await openEmbeddedChain({ dataDir: dataDir.root, chainId: chainConfig.chainId, allowDevMethods: chainConfig.devMethods, onProgress: p.onReplayProgress })
        : connectRpc({ rpcUrl: chainConfig.rpcUrl!, chainId: chainConfig.chainId, freeGas: chainConfig.freeGas })
    try {
      if (connection.embedded) {
        const s = connection.embedded.startup
        log(s.createdGenesis ? 'created a new embedded chain' : `replayed ${s.replayedTransactions} transactions in ${s.replayedBlocks} blocks (${s.replayMs} ms); head block hash verified`)
      }
      const operator = await loadOrganisation(dataDir, config.operator)
      const { deployment, created } = await ensureDeployment(connection, dataDir, operator, config.market, log)
      const client = new BourseClient({ publicClient: connection.publicClient, walletFor: connection.walletFor, deployment })

      let rpcServer: JsonRpcServer | undefined
      let rpcUrl = chainConfig.rpcUrl ?? ''
      if (connection.embedded) {
        rpcServer = await startJsonRpcServer({ provider: connection.embedded.provider, host: chainConfig.rpcHost, port: chainConfig.rpcPort })
        rpcUrl = rpcServer.url
      }
      // The database, indexer and storage provider run with the API (`bourse up`), or when asked.
      const apiConfig = p.api ? resolveApiConfig({ file: config.api, env: process.env, flags: p.api }) : undefined
      services = p.services || apiConfig?.enabled ? await openNodeServices({ dataDir, config, connection, client, deployment, database: p.database, log }) : undefined
      const apiServer = apiConfig?.enabled
        ? await startNodeApi({ dataDir, client, config: apiConfig, database: services?.database, indexer: services?.indexer, storage: services?.storage, supervision: services?.supervision, compute: services?.compute })
        : undefined
      // The operator's platform key opens pricing rounds on schedule (if it is the platform here).
      let roundScheduler: RoundScheduler | undefined
      const platformKey = operator.key('Platform')
      if (deployment.pricingKind === 'dynamic' && (await client.isActive(platformKey.address, 'Platform'))) {
        roundScheduler = new RoundScheduler({ client, platformKey, log })
        roundScheduler.start()
      }
      const info: NodeInfo = { pid: process.pid, rpcUrl, ...(apiServer && { apiUrl: apiServer.url }), chainId: connection.chain.id, startedAt: new Date().toISOString() }
      await writeFileAtomic(dataDir.nodeInfo, `${JSON.stringify(info, null, 2)}\n`)
      return new BourseNode(dataDir, config, connection, deployment, client, rpcServer, rpcUrl, created, roundScheduler, apiServer, services)
    } catch (error) {
      await services?.close()
      await connection.close()
      throw error
    }
  }

  /** Stops serving (the API drains its requests first), closes the chain (journal flushed) and removes node.json. */
  async stop(): Promise<void> {
    await this.apiServer?.close() // first: finish the requests in flight while everything they use is open
    await this.roundScheduler?.stop()
    await this.services?.close()
    await this.rpcServer?.close()
    await this.connection.close()
    rmSync(this.dataDir.nodeInfo, { force: true })
  }
}
