/**
 * `bourse trace …` against a real node (`bourse up --detach`): a trade made from the terminal
 * gets its five records produced and anchored by the node; they verify, a member reads the
 * private fields and a non-member cannot, a proof bundle verifies offline, and a record
 * tampered with in the node's database is caught by `trace verify` and `trace audit`.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { parseEther } from 'viem'
import { bourse, bourseOk, startCliAlliance } from '../testing/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'bourse-trace-'))
after(() => {
  bourse(dir, ['stop'])
  rmSync(dir, { recursive: true, force: true })
})

test('trace: records of a CLI trade verify; members read them; tampering is caught', { timeout: 240_000 }, async () => {
  startCliAlliance(dir)
  bourseOk(dir, ['deposit', '100', '--org', 'beta', '--role', 'buyer'])
  bourseOk(dir, ['list', '--org', 'alpha', '--storage', 'alpha', '--content-hash', `0x${'ab'.repeat(32)}`, '--category', '1', '--min-price', '100', '--arbitrator', 'delta', '--description', 'UK orders 2011'])
  const order = bourseOk(dir, ['--json', 'order', '1', '--org', 'beta', '--max-price', '200']).json
  const trade = order.trade?.id ?? order.id
  bourseOk(dir, ['confirm-download', trade, '--org', 'alpha'])
  bourseOk(dir, ['confirm', trade, 'ok', '--org', 'beta'])

  // The node produces and anchors the records on its own; the supervisor sees them.
  let records: { recordId: string; link: string }[] = []
  for (let i = 0; i < 60 && records.length < 5; i++) {
    await new Promise((r) => setTimeout(r, 500))
    const view = bourseOk(dir, ['--json', 'trace', 'channels', '--org', 'regulator']).json
    records = view.channels[0]?.records ?? []
  }
  assert.deepEqual(records.map((r) => r.link), ['access', 'match', 'implementation', 'service', 'settlement'])
  const id = (link: string) => records.find((r) => r.link === link)!.recordId
  let verified = bourse(dir, ['--json', 'trace', 'verify', id('settlement')])
  for (let i = 0; i < 20 && verified.json?.status === 'not-anchored'; i++) {
    await new Promise((r) => setTimeout(r, 500))
    verified = bourse(dir, ['--json', 'trace', 'verify', id('settlement')])
  }
  assert.equal(verified.code, 0, verified.stdout + verified.stderr)
  assert.equal(verified.json.status, 'verified')
  assert.match(bourseOk(dir, ['trace', 'verify', id('match')]).stdout, /VERIFIED[\s\S]*on-chain-root/)

  // A member decrypts the private fields locally; a non-member is refused.
  const shown = bourseOk(dir, ['--json', 'trace', 'show', id('match'), '--org', 'beta']).json
  assert.equal(shown.privateFields.purchasePrice, parseEther('150').toString())
  assert.equal(bourseOk(dir, ['--json', 'trace', 'show', id('match')]).json.privateFields, undefined)
  const refused = bourse(dir, ['trace', 'show', id('match'), '--org', 'delta'])
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /Forbidden|not a member/)

  // A proof bundle verifies offline against the root on chain, and fails against another.
  const file = join(dir, 'proof.json')
  bourseOk(dir, ['trace', 'export', id('access'), '--out', file])
  assert.equal(bourseOk(dir, ['--json', 'trace', 'check', file]).json.ok, true)
  const wrong = bourse(dir, ['trace', 'check', file, '--root', `0x${'00'.repeat(32)}`])
  assert.equal(wrong.code, 1)
  assert.match(wrong.stdout, /FAIL on-chain-root/)
  const broken = join(dir, 'broken.json')
  const exported = JSON.parse(readFileSync(file, 'utf8'))
  writeFileSync(broken, JSON.stringify({ ...exported, record: { ...exported.record, channelId: 'zz' } }))
  const malformed = bourse(dir, ['trace', 'check', broken, '--root', `0x${'00'.repeat(32)}`])
  assert.notEqual(malformed.code, 0)
  assert.match(malformed.stderr, /not a well-formed proof bundle: record\.channelId: must be 0x and hex digits/)

  // Tampering with the node's database: verify and audit name the record.
  const db = new Database(join(dir, 'bourse.sqlite'))
  try {
    db.prepare("update supervision_records set public_fields = replace(public_fields, 'AllianceCredit', 'Cash') where record_id = ?").run(id('settlement'))
  } finally {
    db.close()
  }
  const tampered = bourse(dir, ['trace', 'verify', id('settlement')])
  assert.equal(tampered.code, 1)
  assert.match(tampered.stdout, /TAMPERED[\s\S]*was modified/)
  const audit = bourse(dir, ['--json', 'trace', 'audit', trade])
  assert.equal(audit.code, 1)
  assert.deepEqual(audit.json.issues.map((i: { kind: string; recordId: string }) => [i.kind, i.recordId]), [['tampered', id('settlement')]])

  // Bad input: named, exit 2.
  const bad = bourse(dir, ['trace', 'verify', '0x12'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /not a record id/)
})
