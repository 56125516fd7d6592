/**
 * Staging an import on the real Online Retail data (../shared/data/online-retail): the whole
 * file imports as it is (gzip, header, quirks) and comes out byte for byte; a slice with bad
 * rows is split by month with each bad row reported at its line; transform steps apply; a
 * wrong header, damaged gzip or non-UTF-8 file is refused.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import { ImportHeaderError, ImportSourceError } from '../errors/import.ts'
import { UsageError } from '../errors/node.ts'
import { datasetFormat } from './formats.ts'
import { stageImport } from './stageImport.ts'
import { dropColumns, type RowTransform } from './transforms.ts'

const realFile = new URL('../../../shared/data/online-retail/online-retail.csv.gz', import.meta.url).pathname
const sha256 = (b: Buffer | string) => `0x${createHash('sha256').update(b).digest('hex')}`
const monthOf = (line: string) => /,(\d{4}-\d{2})-\d{2} \d{2}:\d{2}:\d{2},/.exec(line)![1]!

// The real data lives beside the project (../shared/data); where it is absent the suite says so and skips.
describe('stageImport', { skip: existsSync(realFile) ? false : `needs ${realFile}` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-stage-'))
  let n = 0
  const staging = () => {
    const d = join(dir, `staging-${++n}`)
    mkdirSync(d)
    return d
  }
  /** The real header and every 200th real row, with three bad rows put in. */
  let header: string
  let slice: string[]
  let badLines: Map<number, string>
  let slicePath: string

  before(() => {
    const [h, ...rows] = gunzipSync(readFileSync(realFile)).toString('utf8').trimEnd().split('\n')
    header = h!
    slice = rows.filter((_r, i) => i % 200 === 0)
    const lines = [...slice]
    lines.splice(40, 0, '536999,22423,REGENCY CAKESTAND 3 TIER,six,2010-12-05 10:00:00,12.75,17850.0,United Kingdom')
    lines.splice(900, 0, '560000,21232,STRAWBERRY CERAMIC TRINKET BOX,2,2011-07-14 11:00:00,1.25,13000.0')
    lines.splice(2000, 0, '575000,84879,"ASSORTED COLOUR BIRD ORNAMENT,8,2011-11-08 09:00:00,1.69,14000.0,France')
    // Line numbers count the header as line 1.
    badLines = new Map([
      [42, 'Quantity "six" is not an integer'],
      [902, '7 fields, expected 8'],
      [2002, 'a quoted field is never closed'],
    ])
    slicePath = join(dir, 'slice.csv.gz')
    writeFileSync(slicePath, gzipSync(`${[header, ...lines].join('\n')}\n`))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('the whole real file (541,909 rows, gzip) imports as it is: no bad row, the same bytes out', { timeout: 600_000 }, async () => {
    const staged = await stageImport({ path: realFile, format: datasetFormat('online-retail'), stagingDir: staging() })
    assert.equal(staged.compressed, true)
    assert.deepEqual(staged.rows, { total: 541_909, imported: 541_909, bad: 0, dropped: 0 })
    assert.equal(staged.datasets.length, 1)
    // ../shared/data/README.md: the SHA-256 of the uncompressed CSV.
    assert.equal(staged.datasets[0]!.contentHash, '0xc35975c40d0e1e105090fbb11188a409393055f873841bd012915475fc84e69f')
    assert.equal(sha256(readFileSync(staged.datasets[0]!.file)), staged.datasets[0]!.contentHash)
  })

  test('a real slice split by month: every bad row at its line, each dataset exactly its month of valid rows', async () => {
    const progress: number[] = []
    const staged = await stageImport({ path: slicePath, format: datasetFormat('online-retail'), split: 'month', stagingDir: staging(), onProgress: (p) => progress.push(p.bytesRead) })
    assert.deepEqual(staged.rows, { total: slice.length + 3, imported: slice.length, bad: 3, dropped: 0 })
    assert.deepEqual(staged.badRows, [...badLines].map(([line, reason]) => ({ line, reason })))
    assert.equal(progress.at(-1), readFileSync(slicePath).length, 'progress counts the compressed bytes read')

    const months = [...new Set(slice.map(monthOf))].sort()
    assert.equal(months.length, 13, '2010-12 .. 2011-12')
    assert.deepEqual(staged.datasets.map((d) => d.key), months)
    for (const d of staged.datasets) {
      const expected = `${[header, ...slice.filter((l) => monthOf(l) === d.key)].join('\n')}\n`
      const written = readFileSync(d.file)
      assert.equal(written.toString('utf8'), expected, d.key)
      assert.deepEqual([d.size, d.contentHash, d.rows], [written.length, sha256(written), expected.split('\n').length - 2])
    }
  })

  test('transform steps: a column dropped, rows left out by an asynchronous step (where the TEE gateway plugs in)', async () => {
    const seen: number[] = []
    const noCancellations: RowTransform = {
      name: 'no-cancellations',
      columns: (h) => [...h],
      rows: async (batch) => {
        seen.push(batch.length)
        await new Promise((r) => setImmediate(r))
        return batch.filter((r) => !r.fields[0]!.startsWith('C'))
      },
    }
    const staged = await stageImport({ path: slicePath, format: datasetFormat('online-retail'), transforms: [noCancellations, dropColumns(['CustomerID'])], stagingDir: staging() })
    const cancellations = slice.filter((l) => l.startsWith('C')).length
    assert.ok(cancellations > 0)
    assert.deepEqual(staged.rows, { total: slice.length + 3, imported: slice.length - cancellations, bad: 3, dropped: cancellations })
    assert.deepEqual(staged.transforms, ['no-cancellations', 'drop-columns(CustomerID)'])
    assert.deepEqual(staged.columns, ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'Country'])
    assert.equal(seen.reduce((a, b) => a + b, 0), slice.length, 'every valid row passed through the step')
    const out = readFileSync(staged.datasets[0]!.file, 'utf8').trimEnd().split('\n')
    assert.equal(out[0], 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,Country')
    assert.equal(out.length - 1, slice.length - cancellations)
    assert.ok(!out.some((l) => /17850\.0/.test(l)), 'no customer id is left')
    await assert.rejects(stageImport({ path: slicePath, format: datasetFormat('online-retail'), transforms: [dropColumns(['Email'])], stagingDir: staging() }), UsageError)
  })

  test('refused: a wrong header, damaged gzip, not UTF-8, an empty file, an unknown split', async () => {
    const write = (name: string, content: string | Buffer) => {
      writeFileSync(join(dir, name), content)
      return join(dir, name)
    }
    const cases: [string, RegExp, new (...a: never[]) => Error][] = [
      [write('renamed.csv', `${header.replace('Country', 'Nation')}\n${slice[0]}\n`), /missing Country; unexpected "Nation"/, ImportHeaderError],
      [write('reordered.csv', `${header.split(',').reverse().join(',')}\n`), /columns out of order/, ImportHeaderError],
      [write('cut.csv.gz', readFileSync(slicePath).subarray(0, 2000)), /gzip data is damaged or cut short/, ImportSourceError],
      [write('latin1.csv', Buffer.concat([Buffer.from(`${header}\n536365,85123A,CAF`), Buffer.from([0xc9]), Buffer.from(',6,2010-12-01 08:26:00,2.55,17850.0,France\n')])), /not UTF-8 text/, ImportSourceError],
      [write('empty.csv', ''), /it is empty/, ImportSourceError],
      [join(dir, 'missing.csv'), /no such file/, ImportSourceError],
    ]
    for (const [path, message, type] of cases) {
      const d = staging()
      await assert.rejects(stageImport({ path, format: datasetFormat('online-retail'), split: 'month', stagingDir: d }), (e: Error) => e instanceof type && message.test(e.message), path)
    }
    await assert.rejects(stageImport({ path: slicePath, format: datasetFormat('csv'), split: 'month', stagingDir: staging() }), /not a split of the csv format/)
    // The generic format takes any header and checks only the number of fields.
    const generic = await stageImport({ path: write('any.csv', 'sku,units\nA-1,4\nB-2\nC-3,9\n'), format: datasetFormat('csv'), stagingDir: staging() })
    assert.deepEqual([generic.rows, generic.badRows], [{ total: 3, imported: 2, bad: 1, dropped: 0 }, [{ line: 3, reason: '1 field, expected 2' }]])
  })
})
