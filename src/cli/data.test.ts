/**
 * `bourse upload`, `bourse download` and `bourse import` end to end, as a user runs them: a
 * real node in the background (database, indexer, storage provider, HTTP API), the seller
 * uploading and listing a file, the buyer ordering and downloading it — decrypted, verified,
 * bytes equal, confirmed on chain — and every refused download (replayed token, another
 * organisation, a delivery tampered at rest) ending with a clear message, a non-zero exit and
 * no output file; a slice of the real Online Retail data imported, split by month and listed,
 * its bad row reported at its line, one month bought back byte for byte.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import { bourse, bourseOk, startCliAlliance } from '../testing/cli.ts'

const sha256 = (bytes: Buffer) => `0x${createHash('sha256').update(bytes).digest('hex')}`
/** Files a failed download might leave behind: the output or receiveAsset's temporary file. */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('received') || f.endsWith('.partial'))

describe('bourse upload / download through the node API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-data-'))
  const listingArgs = ['--list', '--category', '1', '--min-price', '100', '--arbitrator', 'delta']

  before(() => {
    startCliAlliance(dir)
  })
  after(() => {
    bourse(dir, ['stop'])
    rmSync(dir, { recursive: true, force: true })
  })

  test('upload and list, order, download: decrypted, verified, confirmed; replay and another organisation refused, no file', () => {
    const file = join(dir, 'orders.bin')
    const bytes = randomBytes(8 * 1024 * 1024 + 123)
    writeFileSync(file, bytes)

    const uploaded = bourseOk(dir, ['--json', 'upload', file, '--org', 'alpha', ...listingArgs, '--description', 'order lines']).json
    assert.equal(uploaded.contentHash, sha256(bytes))
    assert.equal(uploaded.size, bytes.length)
    assert.equal(uploaded.created, true)
    assert.equal(uploaded.listingId, '1')
    assert.equal(bourseOk(dir, ['--json', 'listing', 'show', '1']).json.contentHash, uploaded.contentHash)

    const order = bourseOk(dir, ['--json', 'order', '1', '--org', 'beta', '--max-price', '200']).json
    assert.equal(order.state, 'Accepted') // the standing deposit backs it: no acceptance

    // Another organisation holding the token file (same data directory) is not the buyer: the
    // provider refuses before anything is served, and the token stays usable.
    const stranger = bourse(dir, ['download', order.id, '--org', 'delta', '--out', join(dir, 'received-delta.bin')])
    assert.equal(stranger.code, 1, stranger.stderr)
    assert.match(stranger.stderr, /is not the buyer of trade/)
    assert.match(stranger.stderr, /403 DOWNLOAD_WRONG_BUYER/)
    assert.deepEqual(leftovers(dir), [])

    const out = join(dir, 'received.bin')
    const got = bourseOk(dir, ['--json', 'download', order.id, '--org', 'beta', '--out', out]).json
    assert.deepEqual([got.path, got.size, got.contentHash, got.state], [out, bytes.length, uploaded.contentHash, 'Downloaded'])
    assert.ok(readFileSync(out).equals(bytes), 'the decrypted bytes equal the uploaded ones')
    assert.equal(bourseOk(dir, ['--json', 'trade', 'show', order.id]).json.state, 'Downloaded')

    // The token is single-use: a second download is refused and writes nothing.
    const again = join(dir, 'received-again.bin')
    const replay = bourse(dir, ['download', order.id, '--org', 'beta', '--out', again])
    assert.equal(replay.code, 1, replay.stderr)
    assert.match(replay.stderr, /single-use and it was already used for a complete download/)
    assert.match(replay.stderr, /409 DOWNLOAD_TOKEN_REPLAYED \(reason completed\)/)
    assert.equal(existsSync(again), false)
    assert.deepEqual(leftovers(dir), ['received.bin'])
    // An existing output is never replaced without --force.
    assert.match(bourse(dir, ['download', order.id, '--org', 'beta', '--out', out]).stderr, /already exists/)

    assert.equal(bourseOk(dir, ['--json', 'confirm', order.id, 'ok', '--org', 'beta']).json.state, 'Settled')
  })

  test('a delivery damaged at rest breaks off mid-stream: a clear error, no file, the trade not confirmed', () => {
    const file = join(dir, 'other.bin')
    const bytes = randomBytes(3 * 1024 * 1024)
    writeFileSync(file, bytes)
    const { contentHash, listingId } = bourseOk(dir, ['--json', 'upload', file, '--org', 'alpha', ...listingArgs]).json
    const order = bourseOk(dir, ['--json', 'order', listingId, '--org', 'beta', '--max-price', '200']).json

    // Flip one byte in the third 1 MiB chunk of the stored blob: the provider serves the first
    // chunks, finds the damage when it reaches it and ends the stream.
    const blob = join(dir, 'blobs', contentHash.slice(2, 4), `${contentHash.slice(2)}.blob`)
    chmodSync(blob, 0o600)
    const fd = openSync(blob, 'r+')
    writeSync(fd, Buffer.from([0xff ^ readFileSync(blob)[2.5 * 1024 * 1024]!]), 0, 1, 2.5 * 1024 * 1024)
    closeSync(fd)

    const out = join(dir, 'received-damaged.bin')
    const r = bourse(dir, ['download', order.id, '--org', 'beta', '--out', out, '--wait', '0'])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /The delivery of trade 0x[0-9a-f]+ broke off.*nothing was written/)
    assert.equal(existsSync(out), false)
    assert.deepEqual(leftovers(dir), ['received.bin'])
    assert.equal(bourseOk(dir, ['--json', 'trade', 'show', order.id]).json.state, 'Accepted')
  })

  test('refused before any data moves: bad arguments, no token, no output directory', () => {
    const cases: [string[], number, RegExp][] = [
      [['upload', join(dir, 'nope.bin'), '--org', 'alpha'], 2, /no such file/],
      [['upload', join(dir, 'orders.bin'), '--org', 'alpha', '--list', '--category', '1'], 2, /--list needs --category, --min-price and --arbitrator/],
      [['download', '0x1234', '--org', 'beta', '--out', join(dir, 'received-x.bin')], 2, /No download token for trade 0x1234/],
      [['download', '0x1234', '--org', 'beta', '--out', join(dir, 'no', 'such', 'dir', 'x')], 2, /directory .* does not exist/],
    ]
    for (const [args, code, message] of cases) {
      const r = bourse(dir, args)
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message, args.join(' '))
    }
    assert.deepEqual(leftovers(dir), ['received.bin'])
  })

  const real = new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url).pathname
  test('import: a real slice with a bad row — refused whole, then imported by month with the row left out, listed, one month bought back', { skip: existsSync(real) ? false : `needs ${real}` }, () => {
    const [header, ...rows] = gunzipSync(readFileSync(real)).toString('utf8').trimEnd().split('\n')
    const slice = rows.filter((_r, i) => i % 500 === 0)
    const lines = [...slice]
    lines.splice(30, 0, '537000,22423,REGENCY CAKESTAND 3 TIER,lots,2010-12-06 10:00:00,12.75,17850.0,United Kingdom')
    const source = join(dir, 'orders-slice.csv.gz')
    writeFileSync(source, gzipSync(`${[header, ...lines].join('\n')}\n`))
    const monthOf = (l: string) => /,(\d{4}-\d{2})-\d{2} \d{2}:\d{2}:\d{2},/.exec(l)![1]!
    const blobs = () => readdirSync(join(dir, 'blobs'), { recursive: true }).length
    const listings = () => (bourseOk(dir, ['--json', 'listing', 'all']).json as unknown[]).length
    const [blobsBefore, listingsBefore] = [blobs(), listings()]

    // One bad row and none allowed: refused before anything is uploaded, the row named by its line.
    const refused = bourse(dir, ['import', source, '--org', 'alpha', '--split', 'month', ...listingArgs])
    assert.equal(refused.code, 1, refused.stderr)
    assert.match(refused.stderr, /has 1 bad row, more than the 0 allowed; nothing was uploaded/)
    assert.match(refused.stderr, /line 32: Quantity "lots" is not an integer/)
    const wrongHeader = bourse(dir, ['import', join(dir, 'orders.bin'), '--org', 'alpha'])
    assert.equal(wrongHeader.code, 1, wrongHeader.stderr)
    assert.match(wrongHeader.stderr, /does not fit the online-retail format|not UTF-8/)
    assert.equal(bourse(dir, ['import', source, '--org', 'alpha', '--drop-column', 'Email']).code, 2)
    assert.deepEqual([blobs(), listings()], [blobsBefore, listingsBefore], 'nothing stored, nothing listed')

    // A listing per month, each posting a standing deposit: more than the seller holds at 100 credits apiece.
    const months = [...new Set(slice.map(monthOf))].sort()
    const poor = bourse(dir, ['import', source, '--org', 'alpha', '--split', 'month', '--max-bad-rows', '1', ...listingArgs])
    assert.equal(poor.code, 2, poor.stderr)
    assert.ok(poor.stderr.includes(`${months.length} listings post ${months.length * 100} ACR of standing deposits, but the Seller key holds`), poor.stderr)
    assert.match(poor.stderr, /; nothing was uploaded/)
    assert.deepEqual([blobs(), listings()], [blobsBefore, listingsBefore], 'nothing stored, nothing listed')

    const cheap = ['--seller-deposit', '2', '--standing', '2']
    const imported = bourseOk(dir, ['--json', 'import', source, '--org', 'alpha', '--split', 'month', '--max-bad-rows', '1', '--expect-rows', String(slice.length + 1), ...listingArgs, ...cheap, '--description', 'UK online retail order lines']).json
    assert.deepEqual(imported.rows, { total: slice.length + 1, imported: slice.length, bad: 1, dropped: 0 })
    assert.deepEqual(imported.badRows, [{ line: 32, reason: 'Quantity "lots" is not an integer' }])
    assert.deepEqual(imported.datasets.map((d: { key: string }) => d.key), months)
    assert.ok(imported.datasets.every((d: { created: boolean; listingId?: string }) => d.created && d.listingId))
    assert.equal(listings(), listingsBefore + imported.datasets.length)
    const march = imported.datasets.find((d: { key: string }) => d.key === '2011-03')
    assert.equal(bourseOk(dir, ['--json', 'listing', 'show', march.listingId]).json.contentHash, march.contentHash)

    // A buyer buys March and gets exactly the valid March rows of the file.
    const order = bourseOk(dir, ['--json', 'order', march.listingId, '--org', 'beta', '--max-price', '200']).json
    const out = join(dir, 'march.csv')
    bourseOk(dir, ['download', order.id, '--org', 'beta', '--out', out])
    assert.equal(readFileSync(out, 'utf8'), `${[header, ...slice.filter((l) => monthOf(l) === '2011-03')].join('\n')}\n`)

    // The same file again: the storage provider already holds every dataset.
    const again = bourseOk(dir, ['import', source, '--org', 'alpha', '--split', 'month', '--max-bad-rows', '1']).stdout
    assert.match(again, /1 bad row left out\n  line 32: Quantity "lots" is not an integer/)
    assert.equal((again.match(/\(already stored\)/g) ?? []).length, imported.datasets.length)
  })
})
