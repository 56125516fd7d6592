/**
 * Fuzz test of the whole API (fast-check): for EVERY route of the OpenAPI document, random
 * and malformed path parameters, query strings, bodies, content types and authentication
 * headers (none, garbage, or a valid signature by a local key, a key of the wrong role or a
 * stranger). Properties:
 * - the answer is never a 5xx: every input gets a 2xx or a 4xx with the JSON error body;
 * - a 4xx changed nothing: the chain head and every indexed database table are as before.
 *
 * Real ids (a listing, a trade, an organisation, a challenge) are among the values drawn, so
 * requests also reach the handlers and the contracts, not just the validators.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { parseEther, type LocalAccount } from 'viem'
import { dumpTables } from '../db/testing/dumpTables.ts'
import { signOwnershipProof } from '../identity/signing.ts'
import { signApiRequest } from './auth/signApiRequest.ts'
import { createApiWorld, json, type ApiWorld } from './testing/apiWorld.ts'

interface RouteSpec {
  method: string
  path: string
  pathParams: string[]
  queryParams: string[]
  bodyFields: string[]
  contentType: string | undefined
  signed: boolean
}

/** Every operation of the OpenAPI document. */
function routesOf(doc: any): RouteSpec[] {
  const out: RouteSpec[] = []
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const params: any[] = op.parameters ?? []
      const content = op.requestBody?.content ?? {}
      const contentType = Object.keys(content)[0]
      let schema = contentType ? content[contentType].schema : undefined
      if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()]
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: Object.keys(schema?.properties ?? {}),
        contentType,
        signed: Boolean(op.security?.length),
      })
    }
  }
  return out
}

const json64 = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))

describe('fuzz: every route, random and malformed input', () => {
  let t: ApiWorld
  let routes: RouteSpec[]
  let real: { listingId: string; tradeId: string; org: string; challenge: string; address: string; signature: string; recordId: string }
  let signers: LocalAccount[]

  before(async () => {
    t = await createApiWorld({ database: 'sqlite', storage: true, supervision: true, compute: true })
    const listingId = await t.world.list()
    const { trade } = await t.world.buyer.order({ listingId, maxPrice: parseEther('500'), token: `0x${'33'.repeat(32)}` })
    const created = await json(await t.send('POST', `/v1/listings/${listingId}/challenges`, { as: t.keys.buyer }))
    await t.index()
    const { chainId, marketplace } = t.world.deployment
    const signature = await signOwnershipProof({ account: t.keys.seller as never, chainId, marketplace, listingId, challenge: created.challenge })
    const record = await t.database!.db.selectFrom('supervision_records').select('record_id').limit(1).executeTakeFirstOrThrow()
    real = { listingId: listingId.toString(), tradeId: `0x${trade.id.toString(16)}`, org: t.world.orgs.buyer.address, challenge: created.challenge, address: t.keys.buyer.address, signature, recordId: record.record_id }
    signers = [t.keys.seller, t.keys.buyer, t.keys.buyer2, t.keys.storage, t.keys.arbitrator, t.keys.supervisor, t.keys.sellerOrg, t.keys.newOrg, t.keys.governance, t.keys.stranger]
    routes = routesOf(await json(await t.send('GET', '/openapi.json')))
  })
  after(async () => t.close())

  /** Values a field or parameter might be given: plausible, boundary and hostile. */
  const wildString = () =>
    fc.oneof(
      fc.constantFrom(real.listingId, real.tradeId, real.org, real.challenge, real.address, real.signature, real.recordId, '0', '1', '-1', '0x', '1e3', 'all', 'Ok', 'Buyer', 'true', ''),
      fc.constantFrom((1n << 96n).toString(), (1n << 256n).toString(), '9'.repeat(100), `0x${'f'.repeat(64)}`, `0x${'0'.repeat(40)}`, '%', '%E0%A4%A', '..', '../..', '\u0000', '💥'),
      fc.bigInt({ min: 0n, max: (1n << 260n) }).map(String),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    )
  const wildValue = (): fc.Arbitrary<unknown> => fc.oneof(
    { weight: 4, arbitrary: wildString() },
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(wildString(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), wildString(), { maxKeys: 3 }),
  )

  /** A valid body per route, mutated below one field at a time, so requests reach the handlers. */
  const validBodies = (): Record<string, Record<string, unknown>> => ({
    'POST /v1/listings': {
      contentHash: `0x${'12'.repeat(32)}`,
      storageProvider: t.keys.storage.address,
      category: 1,
      arbitrator: t.keys.arbitrator.address,
      minPrice: parseEther('100').toString(),
      buyerDeposit: parseEther('10').toString(),
      sellerDeposit: parseEther('20').toString(),
      quantity: 10,
      dataType: 'text/csv',
    },
    'POST /v1/orders': { listingId: real.listingId, maxPrice: parseEther('500').toString() },
    'POST /v1/trades/{tradeId}/confirmation': { verdict: 'Ok' },
    'POST /v1/trades/{tradeId}/decision': { buyerRight: true },
    'POST /v1/balances/deposit': { amount: '1' },
    'POST /v1/balances/withdraw': { amount: '1' },
    'POST /v1/members': { name: 'Zeta', roles: ['Buyer'] },
    'POST /v1/members/{org}/keys': { role: 'Buyer', key: t.keys.stranger.address },
    'POST /v1/members/{org}/suspension': { reason: 'audit' },
    'POST /v1/credits/mint': { to: t.keys.buyer.address, amount: '1' },
    'POST /v1/downloads': { tradeId: real.tradeId, token: `0x${'33'.repeat(32)}`, buyer: real.address, issuedAt: Math.floor(Date.now() / 1000), nonce: `0x${'44'.repeat(32)}`, signature: `0x${'55'.repeat(64)}1b` },
  })

  /** The key each route expects, drawn half of the time. */
  const expectedSigner = (route: RouteSpec): LocalAccount => {
    const p = route.path
    if (/listings|response|accept|uploads/.test(p) && route.method === 'POST' && !p.endsWith('/challenges')) return t.keys.seller
    if (/download-confirmation/.test(p)) return t.keys.storage
    if (/decision/.test(p)) return t.keys.arbitrator
    if (/admission|suspension|reinstatement/.test(p)) return t.keys.supervisor
    if (p === '/v1/members' || p.endsWith('/keys')) return t.keys.newOrg
    if (p === '/v1/credits/mint') return t.keys.governance
    return t.keys.buyer
  }

  const mutated = (valid: Record<string, unknown>) =>
    fc
      .record({ field: fc.constantFrom(...Object.keys(valid), 'extra'), value: wildValue(), how: fc.constantFrom('keep', 'replace', 'replace', 'drop') })
      .map(({ field, value, how }) => {
        const body = { ...valid }
        if (how === 'replace') body[field] = value
        if (how === 'drop') delete body[field]
        return json64(body)
      })

  const requestOf = (route: RouteSpec) =>
    fc.record({
      params: fc.tuple(...route.pathParams.map(() => wildString())),
      rawParams: fc.boolean(),
      query: fc.dictionary(fc.oneof(fc.constantFrom(...(route.queryParams.length ? route.queryParams : ['x'])), fc.string({ maxLength: 6 })), wildString(), { maxKeys: 4 }),
      body: fc.oneof(
        fc.constant(undefined),
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 60 }),
        fc.dictionary(fc.oneof(fc.constantFrom(...(route.bodyFields.length ? route.bodyFields : ['x'])), fc.string({ maxLength: 6 })), wildValue(), { maxKeys: 6 }).map(json64),
        fc.tuple(...route.bodyFields.map(() => wildValue())).map((vs) => json64(Object.fromEntries(route.bodyFields.map((f, i) => [f, vs[i]])))),
        ...(validBodies()[`${route.method} ${route.path}`] ? [{ weight: 4, arbitrary: mutated(validBodies()[`${route.method} ${route.path}`]!) }] : []),
      ),
      contentType: fc.constantFrom(route.contentType, route.contentType, 'application/json', 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', undefined),
      auth: fc.constantFrom('valid', 'valid', 'valid', 'none', 'garbage', 'stale'),
      signer: fc.integer({ min: 0, max: 100 }),
      bodySha: fc.oneof(fc.constant(undefined), fc.constantFrom(`0x${'a'.repeat(64)}`, 'nothex', '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')),
    })

  /**
   * Lets what earlier requests set going finish before the next one is judged: download
   * confirmations are batched and sent after the download's response, so without this a
   * later request could be blamed for their block.
   */
  const settle = async () => {
    for (let head = await t.world.client.publicClient.getBlockNumber(); ; ) {
      await t.storage?.confirmer.flush()
      await new Promise((r) => setTimeout(r, 5))
      const now = await t.world.client.publicClient.getBlockNumber()
      if (now === head) return
      head = now
    }
  }

  const fingerprint = async () => {
    const head = await t.world.client.publicClient.getBlockNumber()
    return { head, tables: json64(await dumpTables(t.database!.db)) }
  }

  test('only 2xx and 4xx, and a 4xx changes neither the chain nor the database', { timeout: 600_000 }, async () => {
    assert.ok(routes.length >= 30, `the document lists ${routes.length} operations`)
    const statuses = new Map<string, Set<number>>()
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestOf(route), async (r) => {
          if (route.method === 'GET') r = { ...r, body: undefined } // fetch forbids a GET body
          let path = route.path
          route.pathParams.forEach((name, i) => {
            const v = r.params[i]!
            path = path.replace(`{${name}}`, r.rawParams ? v.replace(/[/?#]/g, '') : encodeURIComponent(v))
          })
          const qs = new URLSearchParams(r.query).toString()
          if (qs) path += `?${qs}`
          const headers: Record<string, string> = {}
          if (r.contentType) headers['content-type'] = r.contentType
          if (r.bodySha) headers['x-bourse-body-sha256'] = r.bodySha
          if (r.auth === 'garbage') Object.assign(headers, { 'x-bourse-address': 'me', 'x-bourse-timestamp': 'now', 'x-bourse-nonce': '0x00', 'x-bourse-signature': '0x' })
          if (r.auth === 'valid' || r.auth === 'stale') {
            const signer = r.signer < 50 ? expectedSigner(route) : signers[r.signer % signers.length]!
            const signed = await signApiRequest(signer, {
              chainId: t.world.deployment.chainId,
              method: route.method,
              path: new URL(path, 'http://x').pathname + new URL(path, 'http://x').search,
              body: r.bodySha && route.path === '/v1/uploads' ? undefined : r.body,
              bodySha256: route.path === '/v1/uploads' && r.bodySha?.startsWith('0x') && r.bodySha.length === 66 ? (r.bodySha as `0x${string}`) : undefined,
              timestamp: r.auth === 'stale' ? 1 : undefined,
            })
            Object.assign(headers, signed)
          }
          await settle()
          const before = await fingerprint()
          const res = await t.app.request(path, { method: route.method, headers, body: r.body })
          const text = await res.text()
          statuses.set(`${route.method} ${route.path}`, (statuses.get(`${route.method} ${route.path}`) ?? new Set()).add(res.status))
          assert.ok(res.status < 500 || (route.path === '/ready' && res.status === 503), `${route.method} ${path} answered ${res.status}: ${text}`)
          if (res.status >= 400) {
            const error = JSON.parse(text).error
            assert.equal(typeof error.code, 'string', text)
            assert.equal(typeof error.message, 'string', text)
            assert.deepEqual(await fingerprint(), before, `${route.method} ${path} answered ${res.status} but changed state`)
          } else if ((await t.world.client.publicClient.getBlockNumber()) !== before.head) {
            await t.index() // a valid write went through: index it so the next 4xx is compared with the new state
          }
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 50) },
      )
    }
    if (process.env.FUZZ_VERBOSE) for (const [k, v] of statuses) console.log(k, [...v].sort().join(" "))
    // The fuzzing reached past the validators: some routes answered with more than one kind of status.
    const varied = [...statuses.values()].filter((s) => s.size > 1).length
    assert.ok(varied >= routes.length / 2, `only ${varied} routes saw more than one status`)
  })

  test('random paths and methods get a JSON 404, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.webPath(), async (method, path) => {
        const res = await t.app.request(path || '/', { method })
        assert.ok(res.status < 500, `${method} ${path}: ${res.status}`)
      }),
      { numRuns: 200 },
    )
  })
})
