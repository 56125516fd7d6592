import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Hex } from 'viem'
import { RedemptionLogCorruptError } from '../errors/storage.ts'
import { RedemptionLog } from './RedemptionLog.ts'

const c = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
let dir: string
before(async () => (dir = await mkdtemp(join(tmpdir(), 'redemptions-'))))
after(() => rm(dir, { recursive: true, force: true }))

test('records survive a reopen; only commitments (never tokens) are written', async () => {
  const path = join(dir, 'a.jsonl')
  let now = 1_000
  const log = await RedemptionLog.open(path, { now: () => now })
  await log.begin(c(1), 10n, c(100))
  now = 2_000
  await log.end(c(1), 'interrupted')
  await log.begin(c(1), 10n, c(101))
  await log.end(c(1), 'served')
  await log.begin(c(2), 11n, c(200))
  await log.close()

  const again = await RedemptionLog.open(path, { now: () => now })
  assert.deepEqual(again.get(c(1)), { commitment: c(1), tradeId: 10n, status: 'served', firstAt: 1_000, updatedAt: 2_000, nonces: [c(100), c(101)], confirmation: undefined })
  assert.equal(again.get(c(2))?.status, 'serving') // crashed mid-attempt
  assert.deepEqual(again.unconfirmed().map((r) => r.tradeId), [10n])
  await again.confirmed(c(1), `0x${'ab'.repeat(32)}`)
  assert.equal(again.get(c(1))?.status, 'confirmed')
  assert.deepEqual(again.unconfirmed(), [])
  await again.close()
  assert.ok(!(await readFile(path, 'utf8')).includes('"token"'))
})

test('a torn last line is dropped; a bad line before it is corruption', async () => {
  const path = join(dir, 'b.jsonl')
  const log = await RedemptionLog.open(path)
  await log.begin(c(3), 12n, c(300))
  await log.close()
  await appendFile(path, '{"e":"end","c":"0x00')
  const reopened = await RedemptionLog.open(path)
  assert.equal(reopened.get(c(3))?.status, 'serving')
  await reopened.close()
  assert.ok((await readFile(path, 'utf8')).endsWith('}\n'))

  await writeFile(path, `garbage\n${(await readFile(path, 'utf8'))}`)
  await assert.rejects(RedemptionLog.open(path), (e: unknown) => e instanceof RedemptionLogCorruptError && e.message.includes('line 1'))
})

test('compaction drops records confirmed before the retention period', async () => {
  const path = join(dir, 'c.jsonl')
  let now = 0
  const log = await RedemptionLog.open(path, { now: () => now })
  await log.begin(c(4), 13n, c(400))
  await log.end(c(4), 'served')
  await log.confirmed(c(4), `0x${'cd'.repeat(32)}`)
  await log.begin(c(5), 14n, c(500))
  await log.close()
  now = 10_000
  const kept = await RedemptionLog.open(path, { now: () => now, retentionMs: 20_000 })
  assert.equal(kept.get(c(4))?.confirmation, `0x${'cd'.repeat(32)}`)
  await kept.close()
  const compacted = await RedemptionLog.open(path, { now: () => now, retentionMs: 5_000 })
  assert.equal(compacted.get(c(4)), undefined)
  assert.equal(compacted.get(c(5))?.status, 'serving')
  await compacted.close()
  assert.equal((await readFile(path, 'utf8')).trim().split('\n').length, 1)
})
