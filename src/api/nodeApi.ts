/**
 * The API as a part of a running node: the deps a node has (its client, its data
 * directory's organisations and token vault, its database and storage provider when it runs
 * them), a pino logger on stderr, and the server on the configured address.
 */
import pino, { type Logger } from 'pino'
import type { BourseDatabase } from '../db/index.ts'
import type { DataDir } from '../node/dataDir.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import type { StorageProvider } from '../storage/index.ts'
import type { ApiConfig } from './config.ts'
import { createApi, type ApiDeps } from './createApi.ts'
import { dataDirKeyring } from './keyring.ts'
import { RequestTracker } from './RequestTracker.ts'
import { startApiServer, type ApiServer } from './server.ts'
import { directoryTokenVault } from './tokenVault.ts'

export interface StartNodeApiParameters {
  dataDir: DataDir
  client: BourseClient
  config: ApiConfig
  database?: BourseDatabase | undefined
  /** The node's running indexer (its `status()` feeds /health and /ready). */
  indexer?: ApiDeps['indexer']
  storage?: StorageProvider | undefined
  supervision?: ApiDeps['supervision']
  compute?: ApiDeps['compute']
  /** Default: pino JSON lines on stderr at `config.logLevel`. */
  logger?: Logger | undefined
}

/**
 * @example
 * const api = await startNodeApi({ dataDir, client, config: resolveApiConfig({ file: config.api, env: process.env }) })
 * console.log(api.url)
 * await api.close()
 */
export async function startNodeApi(p: StartNodeApiParameters): Promise<ApiServer> {
  const logger = p.logger ?? pino({ level: p.config.logLevel, base: { component: 'api' } }, pino.destination(2))
  const tracker = new RequestTracker()
  const app = createApi({
    client: p.client,
    keyring: dataDirKeyring(p.dataDir),
    tokens: directoryTokenVault(p.dataDir.tokens),
    logger,
    database: p.database,
    indexer: p.indexer,
    storage: p.storage,
    supervision: p.supervision,
    compute: p.compute,
    tracker,
  })
  return startApiServer({ app, tracker, host: p.config.host, port: p.config.port, logger })
}
