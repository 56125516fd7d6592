/**
 * The node's data directory: one folder holds everything a node keeps, and survives restarts.
 *
 *     <dataDir>/config.json         node configuration (see {@link NodeConfig})
 *     <dataDir>/chain/              embedded chain: genesis + write-ahead journal
 *     <dataDir>/orgs/<name>.json    keystores of the organisations this node acts for
 *     <dataDir>/deployment.json     contract addresses of the alliance
 *     <dataDir>/tokens/<id>.json    buyers' secret download tokens (mode 0600)
 *     <dataDir>/node.json           the running node: pid and endpoints (absent when stopped)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../identity/atomicFile.ts'
import { ConfigError } from '../errors/node.ts'

/** Default data directory, relative to the working directory. */
export const defaultDataDir = '.bourse'

export const nodeConfigSchema = z.object({
  version: z.literal(1),
  /** Organisation whose keys deploy and govern the contracts on an embedded chain. */
  operator: z.string().min(1),
  chain: z.object({
    /** `embedded`: in-process EDR chain in <dataDir>/chain; `external`: any EVM JSON-RPC URL. */
    mode: z.enum(['embedded', 'external']),
    chainId: z.number().int().positive(),
    /** External mode: the JSON-RPC URL of the alliance chain (e.g. a Besu QBFT node). */
    rpcUrl: z.string().url().optional(),
    /** Embedded mode: where the node serves standard Ethereum JSON-RPC. */
    rpcHost: z.string().default('127.0.0.1'),
    rpcPort: z.number().int().min(0).max(65535).default(8545),
    /** Gas is free on the alliance chain (base fee 0); false for chains that charge gas. */
    freeGas: z.boolean().default(true),
    /** Embedded mode: allow evm_increaseTime/evm_mine (tests and demos only). */
    devMethods: z.boolean().default(false),
  }),
  /** Marketplace parameters used when this node deploys the contracts (first start). */
  market: z
    .object({
      feeBps: z.number().int().min(0).max(1000).default(250),
      /** Seconds each waiting state of a trade may last. */
      windows: z
        .object({
          accept: z.number().int().positive(),
          download: z.number().int().positive(),
          confirm: z.number().int().positive(),
          arbitration: z.number().int().positive(),
        })
        .partial()
        .default({}),
    })
    .default({ feeBps: 250, windows: {} }),
  /** The HTTP API (src/api/config.ts: flags and BOURSE_API_* variables override these). */
  api: z
    .object({
      enabled: z.boolean().optional(),
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
    })
    .strict()
    .optional(),
  /** Off-chain database: a PostgreSQL URL, or a SQLite path (default `<dataDir>/bourse.sqlite`). BOURSE_DATABASE overrides. */
  database: z.string().min(1).optional(),
  /** The chain indexer: confirmations to wait for (default 0 embedded, 12 external) and the reorg window. */
  indexer: z.object({ confirmations: z.number().int().min(0).optional(), reorgDepth: z.number().int().min(0).optional() }).strict().optional(),
  /** The storage provider: which local organisation's Storage key it serves with (default the operator). */
  storage: z.object({ enabled: z.boolean().optional(), org: z.string().min(1).optional() }).strict().optional(),
  /**
   * Supervision (src/supervision): on when a local organisation holds the platform (treasury)
   * key. Anchoring batches are cut at `maxBatchRecords` new records or after `maxDelayMs`.
   */
  supervision: z
    .object({
      enabled: z.boolean().optional(),
      maxBatchRecords: z.number().int().min(1).max(100_000).optional(),
      maxDelayMs: z.number().int().min(10).max(600_000).optional(),
    })
    .strict()
    .optional(),
  /**
   * Confidential computing (src/tee): on when a local organisation (default the operator) holds
   * an active Compute key. `policy`: `embedded-development` (the embedded default: accepts the
   * simulated enclave, and says so) or `production` (hardware evidence only; the default on an
   * external chain).
   */
  tee: z
    .object({
      enabled: z.boolean().optional(),
      org: z.string().min(1).optional(),
      policy: z.enum(['production', 'embedded-development']).optional(),
      /** SGX DCAP collateral (TCB info, QE identity, CRLs as PCCS serves them, JSON): enables the SGX verifier. */
      sgxCollateral: z.string().min(1).optional(),
    })
    .strict()
    .optional(),
})

export type NodeConfig = z.infer<typeof nodeConfigSchema>

/** Paths inside a data directory. */
export class DataDir {
  readonly root: string
  constructor(root: string = defaultDataDir) {
    this.root = resolve(root)
  }
  get config() { return join(this.root, 'config.json') }
  get chain() { return join(this.root, 'chain') }
  get orgs() { return join(this.root, 'orgs') }
  get deployment() { return join(this.root, 'deployment.json') }
  get tokens() { return join(this.root, 'tokens') }
  get nodeInfo() { return join(this.root, 'node.json') }
  /** The node's master key: wraps the storage provider's asset keys and the organisations' enclave keys. */
  get masterKey() { return join(this.root, 'storage', 'master.key') }
  orgKeystore(name: string) { return join(this.orgs, `${name}.json`) }
  token(tradeId: bigint) { return join(this.tokens, `0x${tradeId.toString(16)}.json`) }

  exists(): boolean {
    return existsSync(this.config)
  }

  /** Reads and validates config.json; a missing or malformed file is a {@link ConfigError}. */
  readConfig(): NodeConfig {
    if (!existsSync(this.config)) {
      throw new ConfigError(`No databourse data directory at ${this.root}.`, { details: 'Run `bourse init` (or `bourse up`, which initialises a development directory).' })
    }
    let json: unknown
    try {
      json = JSON.parse(readFileSync(this.config, 'utf8'))
    } catch (e) {
      throw new ConfigError(`${this.config} is not valid JSON.`, { cause: e as Error })
    }
    const parsed = nodeConfigSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new ConfigError(`${this.config}: ${issue.path.join('.') || 'config'}: ${issue.message}`)
    }
    return parsed.data
  }

  async writeConfig(config: NodeConfig): Promise<void> {
    mkdirSync(this.root, { recursive: true })
    await writeFileAtomic(this.config, `${JSON.stringify(config, null, 2)}\n`)
  }
}
