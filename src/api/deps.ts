/**
 * What the API needs, injected by whoever builds it (the node, a test, a benchmark), and
 * the per-request context its middleware fills in.
 */
import type { Logger } from 'pino'
import type { Address } from 'viem'
import type { BourseDatabase } from '../db/index.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'
import type { StorageProvider } from '../storage/index.ts'
import type { SupervisionService } from '../supervision/SupervisionService.ts'
import type { ComputeService } from '../tee/ComputeService.ts'
import type { Keyring, LocalKey } from './keyring.ts'
import type { RequestTracker } from './RequestTracker.ts'
import type { TokenVault } from './tokenVault.ts'

export interface ApiOptions {
  /** Largest |node time - signed timestamp| accepted, in seconds (default 60). */
  authWindowSeconds?: number | undefined
  /** Largest JSON body, in bytes (default 64 KiB). */
  jsonBodyLimit?: number | undefined
  /** How long an on-chain role check is cached, in ms (default 5000). */
  roleCacheMs?: number | undefined
  /** How long an ownership challenge stays open, in seconds (default 600). */
  challengeTtlSeconds?: number | undefined
  /** Indexer lag in blocks above which /ready answers 503 (default 10). */
  readyMaxLagBlocks?: number | undefined
  /** Wall clock in ms (tests). */
  now?: (() => number) | undefined
}

export interface ApiDeps {
  /** The alliance chain and contracts. */
  client: BourseClient
  /** The keys of this node's local organisations. */
  keyring: Keyring
  /** Where the buyers' download tokens created by POST /v1/orders are kept. */
  tokens: TokenVault
  logger: Logger
  /** The off-chain database (indexed chain data); routes that only it can answer say 503 without it. */
  database?: BourseDatabase | undefined
  /**
   * The node's indexer (src/indexer `Indexer.status()`): /health reports how far behind it is.
   * Without it, /health compares the database's indexer state with the chain head.
   */
  indexer?: { status(): Promise<{ running: boolean; lastBlock: number | null; headBlock: number; behind: number }> } | undefined
  /** This node's supervision service (src/supervision); absent on a node without the platform's keys. */
  supervision?: SupervisionService | undefined
  /** This node's enclave runtime and gateway (src/tee); absent on a node without a Compute key. */
  compute?: ComputeService | undefined
  /** This node's storage provider (uploads, downloads); absent on a node that stores nothing. */
  storage?: StorageProvider | undefined
  options?: ApiOptions | undefined
  /** Counts requests in flight; pass the server's to let it drain them on shutdown. */
  tracker?: RequestTracker | undefined
}

/** The authenticated signer of a request. */
export interface AuthContext {
  signer: Address
  /** Set when the signer is a key this node holds. */
  key: LocalKey | undefined
}

/** Hono environment of the API app. */
export interface ApiEnv {
  Variables: {
    requestId: string
    log: Logger
    auth: AuthContext
  }
}
