/**
 * The `bourse` commands through the node's HTTP API, as a user runs them: every core command
 * against a running node (its access log shows each request it served), the same output over
 * the API and over JSON-RPC (`--rpc`), bad input refused over the API with a clear message, a
 * non-zero exit and no transaction — and a node started with `--no-api`, where the same
 * commands go over JSON-RPC.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { bourse, bourseOk, startCliAlliance } from '../testing/cli.ts'

/**
 * One JSON-RPC call on its own connection: this test blocks its event loop in spawnSync, so a
 * pooled keep-alive socket may have been closed by the server without this process noticing.
 */
function rpcOnce(url: string, method: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve((JSON.parse(body) as { result: unknown }).result))
    })
    req.on('error', reject)
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))
  })
}

/** The API's access log lines (`<dataDir>/node.log`): method, route path, status. */
function served(dir: string): { method: string; path: string; status: number }[] {
  return readFileSync(join(dir, 'node.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as { method: string; path: string; status: number })
}

/** Transaction hashes and trade ids vary from run to run; the rest of the output must not. */
const masked = (text: string) => text.replace(/0x[0-9a-fA-F]{41,64}\b/g, '0x…')

describe('bourse commands through the node API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-api-cli-'))
  const listingArgs = ['--category', '1', '--min-price', '100', '--arbitrator', 'delta']
  let listing: string
  let trade: string

  before(() => {
    startCliAlliance(dir)
  })
  after(() => {
    bourse(dir, ['stop'])
    rmSync(dir, { recursive: true, force: true })
  })

  test('every core command, each answered by the API', () => {
    const start = served(dir).length
    // Membership: apply, admit (which binds the new organisation's keys), show, suspend, reinstate.
    bourseOk(dir, ['org', 'create', 'gamma', '--roles', 'buyer'])
    assert.deepEqual(bourseOk(dir, ['--json', 'member', 'admit', 'gamma']).json.boundKeys, ['Buyer'])
    const keys = bourseOk(dir, ['--json', 'org', 'keys', 'gamma']).json
    const shown = bourseOk(dir, ['--json', 'member', 'show', 'gamma']).json
    assert.deepEqual(shown, { org: keys.identity, status: 'Admitted', roles: ['Buyer'], keys: { Buyer: keys.keys.Buyer } })
    bourseOk(dir, ['member', 'suspend', 'gamma', '--reason', 'late fees'])
    assert.equal(bourseOk(dir, ['--json', 'member', 'show', 'gamma']).json.status, 'Suspended')
    bourseOk(dir, ['member', 'reinstate', 'gamma'])
    // Applying without `org create --roles` publishes the encryption key too (channel keys are
    // wrapped to it); admit and bind-keys then find it on chain, equal to the local one.
    bourseOk(dir, ['org', 'create', 'epsilon'])
    assert.deepEqual(bourseOk(dir, ['--json', 'member', 'apply', 'epsilon', '--roles', 'buyer']).json.encryptionKeyPublished, true)
    const admitted = bourseOk(dir, ['--json', 'member', 'admit', 'epsilon']).json
    assert.deepEqual([admitted.boundKeys, admitted.encryptionKeyPublished], [['Buyer'], false])
    assert.deepEqual(bourseOk(dir, ['--json', 'member', 'bind-keys', 'epsilon']).json, { bound: [], encryptionKeyPublished: false })

    // Credits: mint, deposit, withdraw, balance.
    bourseOk(dir, ['mint', '500', 'gamma', '--role', 'buyer'])
    assert.equal(bourseOk(dir, ['--json', 'deposit', '100', '--org', 'gamma']).json.amount, '100000000000000000000')
    assert.equal(bourseOk(dir, ['--json', 'withdraw', '40', '--org', 'gamma', '--role', 'buyer']).json.amount, '40000000000000000000')
    const buyerRow = (bourseOk(dir, ['--json', 'balance', 'gamma']).json as any[]).find((r) => r.role === 'Buyer')
    assert.deepEqual([buyerRow.tokens, buyerRow.available, buyerRow.locked], ['440000000000000000000', '60000000000000000000', '0'])

    // A listing that the seller accepts by hand; ownership checked on chain.
    const listed = bourseOk(dir, ['--json', 'list', '--org', 'alpha', '--content-hash', `0x${'ab'.repeat(32)}`, ...listingArgs, '--requires-acceptance']).json
    listing = listed.listingId
    assert.equal(bourseOk(dir, ['--json', 'listing', 'show', listing]).json.requiresAcceptance, true)
    const { challenge } = bourseOk(dir, ['--json', 'challenge', 'create', listing]).json
    const { signature } = bourseOk(dir, ['--json', 'challenge', 'respond', listing, challenge, '--org', 'alpha']).json
    assert.equal(bourseOk(dir, ['--json', 'challenge', 'verify', listing, challenge, signature]).json.owner, true)

    // A trade with a dispute decided against the buyer.
    const ordered = bourseOk(dir, ['--json', 'order', listing, '--org', 'gamma', '--max-price', '200']).json
    trade = ordered.id
    assert.equal(ordered.state, 'Ordered')
    assert.equal(bourseOk(dir, ['--json', 'accept', trade, '--org', 'alpha']).json.state, 'Accepted')
    assert.equal(bourseOk(dir, ['--json', 'confirm-download', trade, '--org', 'regulator']).json.state, 'Downloaded')
    assert.equal(bourseOk(dir, ['--json', 'confirm', trade, 'not-as-described', '--org', 'gamma']).json.state, 'DisputedDescription')
    const decided = bourseOk(dir, ['--json', 'decide', trade, '--buyer-wrong', '--org', 'delta']).json
    const history = bourseOk(dir, ['--json', 'trade', 'show', trade]).json
    assert.equal(history.state, decided.state)
    assert.equal(history.open, false)
    assert.deepEqual(history.timeline.map((e: { event: string }) => e.event).filter((e: string) => e.startsWith('Dispute')), ['DisputeOpened', 'DisputeDecided'])

    // A time-out, then the listing closed and its standing deposit released.
    const stuck = bourseOk(dir, ['--json', 'order', listing, '--org', 'gamma', '--max-price', '200']).json
    bourseOk(dir, ['chain', 'advance', '25h'])
    assert.equal(bourseOk(dir, ['--json', 'timeout', stuck.id, '--org', 'gamma']).json.state, 'Failed')
    bourseOk(dir, ['listing', 'close', listing, '--org', 'alpha'])
    bourseOk(dir, ['chain', 'advance', '30d'])
    bourseOk(dir, ['listing', 'release', listing, '--org', 'alpha'])
    const all = bourseOk(dir, ['--json', 'listing', 'all']).json as { listingId: string; standing: string; closedAt: number }[]
    const released = all.find((l) => l.listingId === listing)!
    assert.equal(released.standing, '0')
    assert.ok(released.closedAt > 0)

    // Each command was a request the node's API answered.
    const log = served(dir).slice(start)
    const expected: [string, RegExp][] = [
      ['POST', /^\/v1\/members$/],
      ['POST', /^\/v1\/members\/0x[0-9a-fA-F]{40}\/admission$/],
      ['POST', /^\/v1\/members\/0x[0-9a-fA-F]{40}\/keys$/],
      ['GET', /^\/v1\/members\/0x[0-9a-fA-F]{40}$/],
      ['POST', /^\/v1\/members\/0x[0-9a-fA-F]{40}\/suspension$/],
      ['POST', /^\/v1\/members\/0x[0-9a-fA-F]{40}\/reinstatement$/],
      ['POST', /^\/v1\/credits\/mint$/],
      ['POST', /^\/v1\/balances\/deposit$/],
      ['POST', /^\/v1\/balances\/withdraw$/],
      ['GET', /^\/v1\/members\/0x[0-9a-fA-F]{40}\/balances$/],
      ['POST', /^\/v1\/listings$/],
      ['GET', /^\/v1\/listings\/\d+$/],
      ['GET', /^\/v1\/listings\/\d+\/ownership$/],
      ['POST', /^\/v1\/orders$/],
      ['POST', /^\/v1\/trades\/\d+\/accept$/],
      ['POST', /^\/v1\/trades\/\d+\/download-confirmation$/],
      ['POST', /^\/v1\/trades\/\d+\/confirmation$/],
      ['POST', /^\/v1\/trades\/\d+\/decision$/],
      ['GET', /^\/v1\/trades\/\d+$/],
      ['GET', /^\/v1\/trades\/\d+\/timeline$/],
      ['POST', /^\/v1\/trades\/\d+\/timeout$/],
      ['POST', /^\/v1\/listings\/\d+\/close$/],
      ['POST', /^\/v1\/listings\/\d+\/release$/],
      ['GET', /^\/v1\/listings$/],
    ]
    for (const [method, path] of expected) {
      assert.ok(log.some((l) => l.method === method && path.test(l.path) && l.status < 300), `${method} ${path} answered 2xx`)
    }
  })

  test('the same output over the API and over JSON-RPC (--rpc)', () => {
    const same = (args: string[]) => {
      const viaApi = bourseOk(dir, args).stdout
      const viaRpc = bourseOk(dir, ['--rpc', ...args]).stdout
      assert.equal(viaApi, viaRpc, args.join(' '))
      return viaApi
    }
    // Reads: the node's indexed database and the chain say the same.
    assert.match(same(['trade', 'show', trade]), /dispute opened: NotAsDescribed/)
    same(['--json', 'trade', 'show', trade])
    same(['--json', 'listing', 'show', listing])
    same(['--json', 'listing', 'all'])
    same(['balance'])
    same(['--json', 'balance', 'alpha'])
    same(['--json', 'member', 'show', 'gamma'])
    same(['--json', 'member', 'show', '0x000000000000000000000000000000000000dEaD'])

    // Writes: the same lines, only hashes and ids differ.
    const twice = (args: string[]) => {
      const viaApi = bourseOk(dir, args).stdout
      const viaRpc = bourseOk(dir, ['--rpc', ...args]).stdout
      assert.equal(masked(viaApi), masked(viaRpc), args.join(' '))
    }
    twice(['deposit', '5', '--org', 'gamma'])
    twice(['--json', 'withdraw', '2', '--org', 'gamma', '--role', 'buyer'])
    const open = bourseOk(dir, ['--json', 'list', '--org', 'alpha', '--content-hash', `0x${'cd'.repeat(32)}`, ...listingArgs]).json.listingId
    twice(['order', open, '--org', 'gamma', '--max-price', '200'])
  })

  test('bad input over the API: a clear message, a non-zero exit, no transaction', async () => {
    const info = JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8')) as { rpcUrl: string }
    const keys = ['alpha', 'beta', 'gamma', 'delta'].flatMap((org) => {
      const k = bourseOk(dir, ['--json', 'org', 'keys', org]).json
      return [...Object.values(k.keys as Record<string, string>), k.identity as string]
    })
    const nonces = () => Promise.all(keys.map((address) => rpcOnce(info.rpcUrl, 'eth_getTransactionCount', [address, 'latest'])))
    const before = await nonces()
    const cases: [string[], number, RegExp][] = [
      [['member', 'admit', 'gamma'], 1, /AllianceInvalidStatus/],
      [['member', 'suspend', 'alpha', '--as', 'beta'], 1, /not an active Supervisor key on chain/],
      [['deposit', '1000000', '--org', 'beta'], 1, /less than the 1000000000000000000000000 to deposit/],
      [['withdraw', '5000', '--org', 'beta', '--role', 'buyer'], 1, /MarketplaceInsufficientBalance/],
      [['accept', trade, '--org', 'alpha'], 1, /Marketplace(TradeMismatch|WrongState)/],
      [['decide', trade, '--buyer-right', '--org', 'beta'], 1, /not an active Arbitrator key on chain/],
      [['listing', 'close', '99', '--org', 'alpha'], 1, /MarketplaceListingNotFound/],
      [['listing', 'release', listing, '--org', 'beta'], 1, /not an active Seller key on chain/],
      [['confirm-download', '0x1234', '--org', 'regulator'], 1, /No trade 0x1234/],
      [['timeout', '0x1234', '--org', 'gamma'], 1, /No trade 0x1234/],
      [['listing', 'show', '99'], 1, /No listing 99/],
      [['trade', 'show', '0x99'], 1, /No trade 0x99/],
      [['mint', 'lots', 'gamma'], 2, /amount: "lots" is not an amount/],
      [['--api', 'http://127.0.0.1:9', 'balance', 'gamma'], 1, /HTTP API at http:\/\/127\.0\.0\.1:9 did not answer/],
      [['--api', 'nowhere', 'balance'], 2, /--api: "nowhere" is not an http\(s\) URL/],
      [['--api', 'http://127.0.0.1:9', '--rpc', 'balance'], 2, /at most one of --api and --rpc/],
      [['--rpc', 'upload', join(dir, 'node.json'), '--org', 'alpha'], 2, /--rpc reaches the chain only/],
    ]
    for (const [args, code, message] of cases) {
      const r = bourse(dir, args)
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message, args.join(' '))
    }
    // A refusal of the node says what answered.
    assert.match(bourse(dir, ['member', 'admit', 'gamma']).stderr, /the node answered 409 AllianceInvalidStatus/)
    assert.deepEqual(await nonces(), before, 'refused commands sent no transaction')
  })
})

describe('bourse commands on a node without its HTTP API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-rpc-cli-'))
  after(() => {
    bourse(dir, ['stop'])
    rmSync(dir, { recursive: true, force: true })
  })

  test('they go over JSON-RPC; the data-moving ones say they need the API', () => {
    bourseOk(dir, ['init', '--dev', '--rpc-port', '0', '--org', 'regulator'])
    assert.equal(bourseOk(dir, ['--json', 'up', '--detach', '--no-api']).json.apiUrl, undefined)
    bourseOk(dir, ['org', 'create', 'beta', '--roles', 'buyer'])
    assert.deepEqual(bourseOk(dir, ['--json', 'member', 'admit', 'beta']).json.boundKeys, ['Buyer'])
    bourseOk(dir, ['mint', '10', 'beta'])
    const row = (bourseOk(dir, ['--json', 'balance', 'beta']).json as any[]).find((r) => r.role === 'Buyer')
    assert.equal(row.tokens, '10000000000000000000')
    assert.equal(bourseOk(dir, ['--json', 'member', 'show', 'beta']).json.status, 'Admitted')
    const upload = bourse(dir, ['upload', join(dir, 'config.json'), '--org', 'beta'])
    assert.equal(upload.code, 1)
    assert.match(upload.stderr, /runs without its HTTP API/)
    assert.ok(!readFileSync(join(dir, 'node.log'), 'utf8').includes('"msg":"request"'), 'no API served anything')
  })
})
