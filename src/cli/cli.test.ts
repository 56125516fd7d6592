/**
 * The `bourse` command line end to end, as a new user runs it: a node in the background,
 * organisations joining, a listing, a complete trade, a dispute and a time-out — and bad
 * input refused with a clear message and a non-zero exit, changing nothing.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { request } from 'node:http'
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

describe('bourse CLI against a running node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-cli-'))
  const file = join(dir, 'orders.csv')

  before(() => {
    writeFileSync(file, 'InvoiceNo,StockCode,Quantity\n536365,85123A,6\n')
    startCliAlliance(dir)
  })
  after(() => {
    bourse(dir, ['stop'])
    rmSync(dir, { recursive: true, force: true })
  })

  test('a complete trade: list, challenge, order, download confirmed, OK, history, withdraw', () => {
    const listed = bourseOk(dir, ['--json', 'list', '--org', 'alpha', '--file', file, '--category', '1', '--min-price', '100', '--arbitrator', 'delta']).json
    assert.equal(listed.listingId, '1')

    const { challenge } = bourseOk(dir, ['--json', 'challenge', 'create', '1']).json
    const { signature } = bourseOk(dir, ['--json', 'challenge', 'respond', '1', challenge, '--org', 'alpha']).json
    assert.equal(bourseOk(dir, ['--json', 'challenge', 'verify', '1', challenge, signature]).json.owner, true)
    const other = bourseOk(dir, ['--json', 'challenge', 'respond', '1', challenge, '--org', 'beta']).json.signature
    const refused = bourse(dir, ['--json', 'challenge', 'verify', '1', challenge, other])
    assert.equal(refused.code, 1)
    assert.equal(refused.json.owner, false)

    const order = bourseOk(dir, ['--json', 'order', '1', '--org', 'beta', '--max-price', '200']).json
    assert.equal(order.price, '150000000000000000000')
    assert.equal(order.state, 'Accepted')
    // The node's storage provider is the operator organisation ("regulator" here).
    bourseOk(dir, ['confirm-download', order.id, '--org', 'regulator'])
    const confirmed = bourseOk(dir, ['--json', 'confirm', order.id, 'ok', '--org', 'beta']).json
    assert.equal(confirmed.state, 'Settled')

    const shown = bourseOk(dir, ['--json', 'trade', 'show', order.id]).json
    assert.deepEqual(shown.timeline.map((e: { event: string }) => e.event), ['TradeOpened', 'TradeUpdated', 'TradeClosed'])
    assert.equal(shown.tokenHeldLocally, true)

    const balances = bourseOk(dir, ['--json', 'balance', 'alpha']).json as { role: string; available: string; locked: string }[]
    const seller = balances.find((b) => b.role === 'Seller')!
    // 150 price - 2.5% fee = 146.25 available; the 100 standing deposit (5 x 20) is held by the listing.
    assert.equal(seller.available, '146250000000000000000')
    bourseOk(dir, ['withdraw', 'all', '--org', 'alpha', '--role', 'seller'])
    const after = bourseOk(dir, ['--json', 'balance', 'alpha']).json as { role: string; available: string; tokens: string }[]
    assert.equal(after.find((b) => b.role === 'Seller')!.available, '0')
    assert.equal(after.find((b) => b.role === 'Seller')!.tokens, '1046250000000000000000')
  })

  test('a dispute decided by the arbitrator and a time-out, from the terminal', () => {
    const disputed = bourseOk(dir, ['--json', 'order', '1', '--org', 'beta', '--max-price', '200']).json
    const opened = bourseOk(dir, ['--json', 'confirm', disputed.id, 'not-as-described', '--org', 'beta']).json
    assert.equal(opened.state, 'DisputedDescription')
    const decided = bourseOk(dir, ['--json', 'decide', disputed.id, '--buyer-right', '--org', 'delta']).json
    assert.equal(decided.state, 'Failed')

    const stuck = bourseOk(dir, ['--json', 'order', '1', '--org', 'beta', '--max-price', '200']).json
    const early = bourse(dir, ['timeout', stuck.id])
    assert.equal(early.code, 1)
    assert.match(early.stderr, /MarketplaceDeadlineNotReached/)
    bourseOk(dir, ['chain', 'advance', '25h'])
    assert.equal(bourseOk(dir, ['--json', 'timeout', stuck.id]).json.state, 'Failed')
  })

  test('bad input: a clear error, a non-zero exit, nothing changed', async () => {
    // What the refused commands would have signed with: every key of the organisations involved.
    // (The chain head is no measure: the node's platform key opens pricing rounds on schedule.)
    const info = JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8')) as { rpcUrl: string }
    const keys = ['alpha', 'beta'].flatMap((org) => [...Object.values(bourseOk(dir, ['--json', 'org', 'keys', org]).json.keys as Record<string, string>), bourseOk(dir, ['--json', 'org', 'keys', org]).json.identity as string])
    const nonces = () => Promise.all(keys.map((address) => rpcOnce(info.rpcUrl, 'eth_getTransactionCount', [address, 'latest'])))
    const before = await nonces()
    const cases: [string[], number, RegExp][] = [
      [['order', '1', '--org', 'beta', '--max-price', 'lots'], 2, /--max-price: "lots" is not an amount/],
      // Below p_balance - p_vol, the lowest price the dynamic price can reach.
      [['order', '1', '--org', 'beta', '--max-price', '50'], 1, /MarketplacePriceAboveMax/],
      [['order', '99', '--org', 'beta', '--max-price', '200'], 1, /No listing 99/],
      // The node's API refuses a key that is not an active Buyer key before anything reaches the chain.
      [['order', '1', '--org', 'alpha', '--max-price', '200'], 1, /not an active Buyer key on chain/],
      [['order', '1', '--org', 'nobody', '--max-price', '200'], 1, /No local organisation "nobody"/],
      [['confirm', '0x1234', 'ok', '--org', 'beta'], 1, /No trade 0x1234/],
      [['confirm', 'xyz', 'ok', '--org', 'beta'], 2, /trade id: "xyz"/],
      [['confirm', '0x1', 'maybe', '--org', 'beta'], 2, /verdict: "maybe"/],
      [['member', 'admit', 'alpha'], 1, /AllianceInvalidStatus/],
      [['member', 'bind-keys', 'nobody'], 1, /No local organisation "nobody"/],
      [['list', '--org', 'alpha', '--file', '/no/such/file', '--category', '1', '--min-price', '1', '--arbitrator', 'delta'], 2, /does not exist/],
      [['org', 'create', 'Bad Name'], 1, /Invalid organisation name/],
    ]
    for (const [args, code, message] of cases) {
      const r = bourse(dir, args)
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message, args.join(' '))
    }
    assert.deepEqual(await nonces(), before, 'refused commands sent no transaction')
  })
})
