/**
 * What every command needs: the data directory, the output mode, the local organisations,
 * the way to the alliance (`backend()`: the running node's HTTP API, else JSON-RPC) and a
 * client connected to the alliance chain through the running node (or directly to an
 * external chain's JSON-RPC URL).
 */
import type { Command } from 'commander'
import { isAddress, type Address, type Hex } from 'viem'
import { createApiClient, type ApiClient } from '../api/client.ts'
import { ConfigError, NodeNotRunningError, UsageError } from '../errors/node.ts'
import { unlockKeystore } from '../identity/keystore.ts'
import type { Role } from '../identity/roles.ts'
import { runningNode } from '../node/BourseNode.ts'
import { connectRpc, type ChainConnection } from '../node/connection.ts'
import { DataDir, defaultDataDir } from '../node/dataDir.ts'
import { readDeployment } from '../node/deployment.ts'
import { loadOrganisation, passphraseFor, type LocalOrganisation } from '../node/organisations.ts'
import { BourseClient, type Actor } from '../sdk/BourseClient.ts'
import { ApiBackend } from './backend/ApiBackend.ts'
import type { MarketBackend } from './backend/MarketBackend.ts'
import { RpcBackend } from './backend/RpcBackend.ts'
import { createOutput, type Output } from './output.ts'

export interface GlobalOptions {
  dataDir?: string
  json?: boolean
  /** `--api <url>`: the node API to use instead of the one node.json names. */
  api?: string
  /** `--rpc`: straight over JSON-RPC even when a node API runs. */
  rpc?: boolean
}

/** The HTTP API of the running node: {@link ApiClient} (signs with the key given as `as`) and where it is. */
export interface CliApi extends ApiClient {
  /** The node's API URL (node.json `apiUrl`). */
  url: string
  /** The alliance chain id (the EIP-712 domain of signed requests). */
  chainId: number
}

export class CliContext {
  readonly dataDir: DataDir
  readonly out: Output
  readonly #apiUrl: string | undefined
  readonly #rpc: boolean
  #client: BourseClient | undefined
  #connection: ChainConnection | undefined
  #backend: MarketBackend | undefined

  constructor(options: GlobalOptions) {
    this.dataDir = new DataDir(options.dataDir ?? process.env.BOURSE_DATA_DIR ?? defaultDataDir)
    this.out = createOutput(Boolean(options.json))
    if (options.api !== undefined && options.rpc) throw new UsageError('give at most one of --api and --rpc')
    if (options.api !== undefined && !/^https?:\/\/[^\s/]+/.test(options.api)) throw new UsageError(`--api: "${options.api}" is not an http(s) URL of a node API.`)
    this.#apiUrl = options.api
    this.#rpc = Boolean(options.rpc)
  }

  /** The global options of the program a command belongs to. */
  static of(command: Command): CliContext {
    let root = command
    while (root.parent) root = root.parent
    return new CliContext(root.opts<GlobalOptions>())
  }

  /** A client of the chain this data directory belongs to. */
  async client(): Promise<BourseClient> {
    if (this.#client) return this.#client
    const config = this.dataDir.readConfig()
    let rpcUrl: string
    if (config.chain.mode === 'external') {
      rpcUrl = config.chain.rpcUrl!
    } else {
      const node = runningNode(this.dataDir)
      if (!node) throw new NodeNotRunningError({ dataDir: this.dataDir.root })
      rpcUrl = node.rpcUrl
    }
    this.#connection = connectRpc({ rpcUrl, chainId: config.chain.chainId, freeGas: config.chain.freeGas })
    this.#client = new BourseClient({ publicClient: this.#connection.publicClient, walletFor: this.#connection.walletFor, deployment: readDeployment(this.dataDir) })
    return this.#client
  }

  /**
   * The running node's HTTP API (node.json `apiUrl`): a client whose calls are signed with
   * the local key passed as `as`. Throws when no node runs, or it runs without its API.
   *
   * @example
   * const api = ctx.api()
   * await api.call('POST', '/v1/orders', { as: (await ctx.org('beta')).key('Buyer'), body: { listingId: '1', maxPrice: '200000000000000000000' } })
   */
  api(): CliApi {
    if (this.#rpc) throw new UsageError('--rpc reaches the chain only: upload, download and import move data through the node\'s HTTP API.')
    const api = this.runningApi()
    if (api) return api
    if (!runningNode(this.dataDir)) throw new NodeNotRunningError({ dataDir: this.dataDir.root })
    throw new ConfigError(`The node of ${this.dataDir.root} runs without its HTTP API.`, {
      details: 'Restart it without --no-api (config.json api.enabled, env BOURSE_API).',
    })
  }

  /** Like {@link api}, or undefined when no running node serves the API (`--api <url>` names one). */
  runningApi(): CliApi | undefined {
    if (this.#apiUrl !== undefined) {
      const chainId = this.dataDir.readConfig().chain.chainId
      return { ...createApiClient({ url: this.#apiUrl, chainId }), url: this.#apiUrl, chainId }
    }
    const node = runningNode(this.dataDir)
    if (!node?.apiUrl) return undefined
    return { ...createApiClient({ url: node.apiUrl, chainId: node.chainId }), url: node.apiUrl, chainId: node.chainId }
  }

  /**
   * How the commands reach the alliance: through the node's HTTP API when one serves this data
   * directory (or `--api <url>`), else — or with `--rpc` — straight over JSON-RPC with the SDK.
   * Both print the same (./backend/MarketBackend.ts).
   *
   * @example
   * const { trade } = await ctx.backend().order('beta', 1n, parseCredits('200'))
   */
  backend(): MarketBackend {
    if (this.#backend) return this.#backend
    const api = this.#rpc ? undefined : this.runningApi()
    this.#backend = api ? new ApiBackend(this, api) : new RpcBackend(this)
    return this.#backend
  }

  /**
   * The private key of `role` of a local organisation, for what a viem account cannot do:
   * unwrapping an asset key delivered to it (ECIES). The keystore is closed again at once.
   */
  async privateKey(orgName: string, role: Role): Promise<Hex> {
    await this.org(orgName) // checks the name, says which organisations exist
    const keystore = await unlockKeystore({ path: this.dataDir.orgKeystore(orgName), passphrase: passphraseFor(orgName), onWarning: () => {} })
    try {
      return keystore.key(role).privateKey
    } finally {
      keystore.close()
    }
  }

  org(name: string): Promise<LocalOrganisation> {
    return loadOrganisation(this.dataDir, name)
  }

  /** Like {@link org}, or undefined when `name` does not open as a local organisation (an address, another node's member). */
  async localOrg(name: string): Promise<LocalOrganisation | undefined> {
    try {
      return await this.org(name)
    } catch {
      return undefined
    }
  }

  /** The actor signing with `role`'s key of local organisation `orgName`. */
  async actor(orgName: string, role: Role): Promise<Actor> {
    const [client, org] = await Promise.all([this.client(), this.org(orgName)])
    return client.as(org.key(role))
  }

  /** The actor signing with the organisation's administrative key. */
  async admin(orgName: string): Promise<Actor> {
    const [client, org] = await Promise.all([this.client(), this.org(orgName)])
    return client.as(org.admin)
  }

  /** An organisation given by local name or by address -> its identity address. */
  async orgAddress(nameOrAddress: string): Promise<Address> {
    if (isAddress(nameOrAddress, { strict: false })) return nameOrAddress as Address
    return (await this.org(nameOrAddress)).admin.address
  }

  /** A role key given by address, or by local organisation name -> that org's key of `role`. */
  async roleKey(nameOrAddress: string, role: Role): Promise<Address> {
    if (isAddress(nameOrAddress, { strict: false })) return nameOrAddress as Address
    return (await this.org(nameOrAddress)).key(role).address
  }
}
