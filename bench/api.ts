/**
 * `npm run bench:api [-- --json] [-- --listings N] [-- --seconds S] [-- --connections C] [-- --database postgres://…]`:
 * listing-search throughput and latency of the node's HTTP API under concurrent load from a
 * separate process (autocannon), beside GET /health on the same server in the same run.
 *
 * Set-up (not timed): a devnet alliance, N listings (default 10,000) put on chain through the
 * SDK with varied categories, prices and descriptions, indexed into a fresh database (SQLite
 * file in WAL mode, as the node uses, or the PostgreSQL URL given) by the real indexer; the
 * API app served on 127.0.0.1 on a free port. Load: C connections (default 50) for S seconds
 * (default 10) each, loopback only; every search answer must be 2xx.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseEther } from 'viem'
import { createApi } from '../src/api/createApi.ts'
import { staticKeyring } from '../src/api/keyring.ts'
import { RequestTracker } from '../src/api/RequestTracker.ts'
import { startApiServer } from '../src/api/server.ts'
import { openDatabase } from '../src/db/index.ts'
import { Indexer } from '../src/indexer/index.ts'
import { createWorld } from '../src/testing/world.ts'
import type { HttpLoadResult } from './lib/httpLoad.ts'
import { emit, jsonMode, say, table } from './lib/report.ts'
import { round } from './lib/stats.ts'

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}

const LISTINGS = Number(option('listings', '10000'))
const SECONDS = Math.min(60, Number(option('seconds', '10')))
const CONNECTIONS = Number(option('connections', '50'))
const DATABASE = option('database', '')
const log = (line: string) => (jsonMode ? process.stderr : process.stdout).write(`${line}\n`)

const words = ['retail', 'orders', 'daily', 'weekly', 'sales', 'region', 'basket', 'customers', 'segments', 'loyalty', 'returns', 'stock', 'prices', 'campaign', 'clicks', 'series']
const types = ['text/csv', 'application/parquet', 'application/json']

/** Puts `n` varied listings on chain (one seller key, transactions pipelined) and returns the world. */
async function seedChain(n: number) {
  const w = await createWorld({ fixedGas: 2_000_000n, mint: parseEther('1000000') })
  const batch = 500
  for (let start = 0; start < n; start += batch) {
    const pending = []
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const description = `${words[i % 16]} ${words[(i * 7 + 3) % 16]} ${words[(i * 11 + 5) % 16]} ${i}`
      pending.push(
        w.seller.list({
          ...w.listingDefaults,
          category: 1 + (i % 4),
          minPrice: parseEther(String(50 + (i % 200))),
          buyerDeposit: 1n,
          sellerDeposit: 1n,
          standingDeposit: 1n,
          dataType: types[i % 3]!,
          description,
        }),
      )
    }
    await Promise.all(pending)
    log(`  listed ${Math.min(n, start + batch)}/${n}`)
  }
  return w
}

/** Runs the load generator in its own process. */
function load(url: string, paths: string[]): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lib', 'httpLoad.ts'), JSON.stringify({ url, paths, connections: CONNECTIONS, seconds: SECONDS })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`load generator exited ${code}`))))
  })
}

async function main(): Promise<void> {
  const started = Date.now()
  log(`seeding ${LISTINGS} listings on a devnet…`)
  const world = await seedChain(LISTINGS)
  const dir = mkdtempSync(join(tmpdir(), 'bourse-bench-api-'))
  const database = await openDatabase(DATABASE || dir)
  try {
    const t0 = performance.now()
    await new Indexer({ db: database.db, publicClient: world.client.publicClient, deployment: world.deployment }).runOnce()
    log(`indexed into ${database.dialect} in ${round((performance.now() - t0) / 1000)} s`)

    const logger = pino({ level: 'silent' })
    const tracker = new RequestTracker()
    const app = createApi({ client: world.client, keyring: staticKeyring([]), tokens: { save: async () => {} }, logger, database, tracker })
    const server = await startApiServer({ app, tracker, host: '127.0.0.1', port: 0, logger })

    // The search mix: newest, by category and price, text prefixes, price ranges, data type, a deep page.
    const deep = (await (await fetch(`${server.url}/v1/listings?category=2&sort=price_asc&limit=100`)).json()) as { nextCursor: string }
    const searches = [
      '/v1/listings?limit=20',
      '/v1/listings?category=1&sort=price_asc&limit=20',
      '/v1/listings?text=retail&limit=20',
      '/v1/listings?text=sales%20reg&category=3&limit=20',
      `/v1/listings?minPrice=${parseEther('100')}&maxPrice=${parseEther('120')}&sort=price_desc&limit=20`,
      '/v1/listings?dataType=application%2Fparquet&limit=50',
      `/v1/listings?category=2&sort=price_asc&limit=20&cursor=${deep.nextCursor}`,
      '/v1/listings?text=loyalty%20campaign&sort=oldest&limit=20',
    ]
    for (const path of searches) {
      const res = await fetch(server.url + path)
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    }
    log(`load: ${CONNECTIONS} connections × ${SECONDS} s per workload, from a separate process`)
    const health = await load(server.url, ['/health'])
    const search = await load(server.url, searches)
    await server.close()

    const rows = [
      ['GET /health (baseline)', round(health.rps), round(health.p50Ms), round(health.p99Ms), health.non2xx + health.errors],
      ['GET /v1/listings (search mix)', round(search.rps), round(search.p50Ms), round(search.p99Ms), search.non2xx + search.errors],
    ]
    say(`\nHTTP API, ${LISTINGS} listings in ${database.dialect}, ${CONNECTIONS} connections, ${SECONDS} s each (${round((Date.now() - started) / 1000)} s in all)\n`)
    say(table(rows, ['workload', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx']))
    if (search.non2xx + search.errors > 0) throw new Error('some search requests failed')
    emit({
      searchRps: round(search.rps),
      searchP99Ms: round(search.p99Ms),
      searchP50Ms: round(search.p50Ms),
      healthRps: round(health.rps),
      healthP99Ms: round(health.p99Ms),
      listings: LISTINGS,
      database: database.dialect,
      connections: CONNECTIONS,
      seconds: SECONDS,
    })
  } finally {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : err}\n`)
    process.exit(1)
  },
)
