/**
 * Test support: the API app on a fresh {@link createWorld} alliance, its keys as this node's
 * local organisations, optionally with a database (+ indexer) and a storage provider, and
 * helpers that sign requests the way a member's client does.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino, { type Logger } from 'pino'
import type { Address, Hex, LocalAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { DatabaseDialect } from '../../db/index.ts'
import { createTestDatabase, type TestDatabase } from '../../db/testing/testDatabases.ts'
import { Indexer } from '../../indexer/Indexer.ts'
import { StorageProvider } from '../../storage/index.ts'
import { worldSupervision } from '../../testing/supervision.ts'
import { worldCompute } from '../../testing/tee.ts'
import { createWorld, type World, type WorldOptions } from '../../testing/world.ts'
import { signApiRequest } from '../auth/signApiRequest.ts'
import { createApi } from '../createApi.ts'
import type { ApiDeps, ApiOptions } from '../deps.ts'
import { staticKeyring, type LocalKey } from '../keyring.ts'
import { RequestTracker } from '../RequestTracker.ts'
import { directoryTokenVault } from '../tokenVault.ts'

export interface ApiWorldOptions extends WorldOptions {
  /** Attach a fresh database of this dialect and an indexer. */
  database?: DatabaseDialect | undefined
  /** Run a storage provider with the seller organisation's Storage key. */
  storage?: boolean | undefined
  /** Run the supervision service (needs `database`): records produced and anchored by `index()`. */
  supervision?: boolean | undefined
  /** Run the simulated enclave runtime (src/tee) with a Compute organisation, its measurement approved. */
  compute?: boolean | undefined
  api?: ApiOptions | undefined
}

export interface SendOptions {
  /** Sign with this key (omit for an unsigned request). */
  as?: LocalAccount | undefined
  /** JSON body (serialised here) or raw string. */
  body?: unknown
  headers?: Record<string, string> | undefined
  /** Change the signed headers before sending (tests of refusals). */
  tamper?: ((headers: Record<string, string>) => void) | undefined
  timestamp?: number | undefined
}

export interface ApiWorld {
  world: World
  app: ReturnType<typeof createApi>
  deps: ApiDeps & { tracker: RequestTracker }
  /** Every log line the API wrote. */
  logs: string[]
  dir: string
  database: TestDatabase | undefined
  indexer: Indexer | undefined
  storage: StorageProvider | undefined
  keys: {
    seller: LocalAccount
    storage: LocalAccount
    buyer: LocalAccount
    buyer2: LocalAccount
    arbitrator: LocalAccount
    supervisor: LocalAccount
    sellerOrg: LocalAccount
    buyerOrg: LocalAccount
    /** A key of no local organisation. */
    stranger: LocalAccount
    /** Identity and Buyer key of 'epsilon', a local organisation that has not applied yet. */
    newOrg: LocalAccount
    newBuyer: LocalAccount
    /** The deployer: governance, holder of AllianceCredit's MINTER_ROLE (a local 'operator' key). */
    governance: LocalAccount
  }
  /** Private keys of the keys whose holder must decrypt or sign outside the node (downloads). */
  privateKeys: { newBuyer: Hex }
  /** Sends a request to the app, signed when `as` is given. */
  send(method: string, path: string, o?: SendOptions): Promise<Response>
  /** The indexer catches up with the chain (no-op without a database). */
  index(): Promise<void>
  close(): Promise<void>
}

/**
 * @example
 * const t = await createApiWorld({ database: 'sqlite' })
 * const res = await t.send('POST', '/v1/orders', { as: t.keys.buyer, body: { listingId: '1', maxPrice: '1' } })
 */
export async function createApiWorld(o: ApiWorldOptions = {}): Promise<ApiWorld> {
  const world = await createWorld(o)
  const dir = mkdtempSync(join(tmpdir(), 'bourse-api-'))
  const logs: string[] = []
  const logger: Logger = pino(
    { level: 'debug', base: undefined },
    new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk))
        done()
      },
    }),
  )
  const acc = (a: unknown) => a as LocalAccount
  const newBuyerKey = generatePrivateKey()
  const keys = {
    seller: acc(world.seller.account),
    storage: acc(world.storage.account),
    buyer: acc(world.buyer.account),
    buyer2: acc(world.buyer2.account),
    arbitrator: acc(world.arbitrator.account),
    supervisor: acc(world.supervisor.account),
    sellerOrg: acc(world.orgs.seller),
    buyerOrg: acc(world.orgs.buyer),
    stranger: privateKeyToAccount(generatePrivateKey()),
    newOrg: privateKeyToAccount(generatePrivateKey()),
    newBuyer: privateKeyToAccount(newBuyerKey),
    governance: acc(world.governance.account),
  }
  const local: LocalKey[] = [
    { account: keys.seller, org: 'alpha', role: 'Seller' },
    { account: keys.storage, org: 'alpha', role: 'Storage' },
    { account: keys.sellerOrg, org: 'alpha', role: 'Admin' },
    { account: keys.buyer, org: 'beta', role: 'Buyer' },
    { account: keys.buyerOrg, org: 'beta', role: 'Admin' },
    { account: keys.buyer2, org: 'gamma', role: 'Buyer' },
    { account: keys.arbitrator, org: 'delta', role: 'Arbitrator' },
    { account: keys.supervisor, org: 'regulator', role: 'Supervisor' },
    { account: keys.newOrg, org: 'epsilon', role: 'Admin' },
    { account: keys.newBuyer, org: 'epsilon', role: 'Buyer' },
    { account: keys.governance, org: 'operator', role: 'Admin' },
  ]
  const database = o.database ? await createTestDatabase(o.database) : undefined
  const indexer = database ? new Indexer({ db: database.db, publicClient: world.client.publicClient, deployment: world.deployment }) : undefined
  const storage = o.storage
    ? await StorageProvider.open({ dataDir: dir, masterKey: crypto.getRandomValues(new Uint8Array(32)), client: world.client, actor: world.storage, logger: logger.child({ component: 'storage' }) })
    : undefined
  const supervision =
    o.supervision && database
      ? worldSupervision(world, database.db, { reader: database.reader, writer: database.writer })
      : undefined
  const compute = o.compute ? await worldCompute(world, { dataDir: dir }) : undefined
  const deps: ApiDeps & { tracker: RequestTracker } = {
    client: world.client,
    keyring: staticKeyring(local),
    tokens: directoryTokenVault(join(dir, 'tokens')),
    logger,
    database,
    indexer,
    storage,
    supervision,
    compute,
    options: o.api,
    tracker: new RequestTracker(),
  }
  const app = createApi(deps)
  const chainId = world.deployment.chainId

  return {
    world,
    app,
    deps,
    logs,
    dir,
    database,
    indexer,
    storage,
    keys,
    privateKeys: { newBuyer: newBuyerKey },
    async send(method, path, s = {}) {
      const body = s.body === undefined ? undefined : typeof s.body === 'string' ? s.body : JSON.stringify(s.body)
      const headers: Record<string, string> = { ...(body !== undefined && { 'content-type': 'application/json' }), ...s.headers }
      if (s.as) {
        const signed = await signApiRequest(s.as, { chainId, method, path, body, timestamp: s.timestamp })
        s.tamper?.(signed)
        Object.assign(headers, signed)
      }
      return app.request(path, { method, headers, body })
    },
    async index() {
      await indexer?.runOnce()
      if (supervision) {
        await supervision.catchUp()
        await supervision.anchorer.stop({ flush: true })
        await indexer?.runOnce() // the channels opened and heads committed just now
      }
    },
    async close() {
      await compute?.close()
      await storage?.close()
      await database?.destroy()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The JSON body of a response, typed loosely for assertions. */
export async function json(res: Response): Promise<any> {
  return res.json()
}

/** An address in lower case (for comparisons). */
export const lower = (a: Address | Hex | string) => a.toLowerCase()
