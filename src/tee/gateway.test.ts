/**
 * The trusted data gateway on the whole real Online Retail file (gzip, header, its quirks):
 * every row kept, customer ids replaced by keyed-hash pseudonyms (none left in the clear), the
 * output opens only with the dataset key and decodes to the same rows; bad input is named.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { test } from 'node:test'
import { ImportHeaderError, ImportSourceError } from '../errors/import.ts'
import { decryptEnclaveFile, readEnclaveFileHeader } from './enclaveFile.ts'
import { gatewayImport } from './gateway.ts'
import { decodeOrderTable } from './jobs/orderTableCodec.ts'
import { pseudonymOf } from './pseudonym.ts'

const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'online-retail', 'online-retail.csv.gz')
const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'
const dir = () => mkdtempSync(join(tmpdir(), 'gateway-'))

test('the whole Online Retail file: 541,909 rows, 4,372 customers, all pseudonymised, encrypted', { skip: existsSync(DATA) ? false : `${DATA} is absent` }, async () => {
  const pseudonymKey = randomBytes(32)
  const datasetKey = randomBytes(32)
  const out = join(dir(), 'retail.enc')
  const result = await gatewayImport({ path: DATA, out, pseudonymKey, datasetKey })
  assert.equal(result.rows, 541_909)
  assert.equal(result.badRowCount, 0)
  assert.equal(result.customers, 4_372)

  const bytes = readFileSync(out)
  assert.equal(readEnclaveFileHeader(bytes).header.rows, 541_909)
  assert.throws(() => decryptEnclaveFile(bytes, randomBytes(32)), /does not decrypt/)
  const table = decodeOrderTable(new Uint8Array(decryptEnclaveFile(bytes, datasetKey).plaintext))
  assert.equal(table.rows, 541_909)
  const named = table.customers.filter((c) => c !== '')
  assert.equal(named.length, 4_372)
  assert.ok(named.every((c) => /^[0-9a-f]{32}$/.test(c)), 'only pseudonyms')
  assert.ok(named.includes(pseudonymOf(pseudonymKey, '17850.0')), 'the first customer of the file, under the owner key')
  let anonymous = 0
  for (let i = 0; i < table.rows; i++) if (table.customer[i] === -1 || table.customers[table.customer[i]!] === '') anonymous++
  assert.equal(anonymous, 135_080)
  // No raw id anywhere in the plaintext the enclave gets: not the file's form (17850.0), not
  // the bare number as a token of its own. (A bare substring test fails one run in ~9: among
  // 4,372 random 32-digit hex pseudonyms, some contain the digits 17850 by chance.)
  const plaintext = Buffer.from(decryptEnclaveFile(bytes, datasetKey).plaintext).toString('latin1')
  assert.ok(!plaintext.includes('17850.0'), 'the raw id 17850.0 does not appear')
  assert.ok(!/(?<![0-9a-f])17850(?![0-9a-f])/.test(plaintext), 'the raw id 17850 does not appear as a token')
})

test('bad input: another header, damaged gzip, not UTF-8 — named; bad rows counted with their lines', async () => {
  const d = dir()
  const keys = { pseudonymKey: randomBytes(32), datasetKey: randomBytes(32), out: join(d, 'x.enc') }
  writeFileSync(join(d, 'other.csv'), 'a,b,c\n1,2,3\n')
  await assert.rejects(gatewayImport({ path: join(d, 'other.csv'), ...keys }), (e: unknown) => e instanceof ImportHeaderError && /missing InvoiceNo/.test(e.message))
  const gz = gzipSync(`${HEADER}\n536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n`)
  writeFileSync(join(d, 'cut.csv.gz'), gz.subarray(0, gz.length - 12))
  await assert.rejects(gatewayImport({ path: join(d, 'cut.csv.gz'), ...keys }), (e: unknown) => e instanceof ImportSourceError && /gzip/.test(e.message))
  writeFileSync(join(d, 'latin1.csv'), Buffer.concat([Buffer.from(`${HEADER}\n536365,85123A,CAF`), Buffer.from([0xc9]), Buffer.from(',6,2010-12-01 08:26:00,2.55,17850.0,France\n')]))
  await assert.rejects(gatewayImport({ path: join(d, 'latin1.csv'), ...keys }), (e: unknown) => e instanceof ImportSourceError && /not UTF-8/.test(e.message))
  writeFileSync(join(d, 'some-bad.csv'), [HEADER, '536365,85123A,MUG,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom', '536366,85123A,MUG,six,2010-12-01 08:26:00,2.55,17850.0,United Kingdom', '536367,85123A,MUG,1,2010-02-30 08:26:00,2.55,,France'].join('\n'))
  const r = await gatewayImport({ path: join(d, 'some-bad.csv'), ...keys })
  assert.equal(r.rows, 1)
  assert.equal(r.badRowCount, 2)
  assert.deepEqual(r.badRows.map((b) => b.line), [3, 4])
  assert.match(r.badRows[0]!.reason, /Quantity/)
})
