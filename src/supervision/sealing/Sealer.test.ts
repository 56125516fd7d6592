/**
 * The seal thread gives the bytes inline sealing gives (so where a batch was sealed never
 * matters), is used once ready, and never keeps a process from exiting.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import fc from 'fast-check'
import { openRecord, SEAL_RANDOM_BYTES } from '../record.ts'
import { drafts } from '../testing/fixtures.ts'
import type { Link, RecordDraft } from '../links.ts'
import { fedInserts, INSERT_CHUNK, pushLeafRow, pushRecordRow } from '../recordRows.ts'
import { sealBatch, sealedRecord, sealToRows, type SealRequest } from './sealBatch.ts'
import { Sealer } from './Sealer.ts'
import { createTestDatabase } from '../../db/testing/testDatabases.ts'

const LINKS = Object.keys(drafts) as Link[]

/** Arbitrary batches: drafts of any link with arbitrary text in their fields, keys, positions, randomness. */
const requests = fc
  .record({
    keys: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 3 }),
    jobs: fc.array(fc.record({ link: fc.constantFrom(...LINKS), channel: fc.bigInt({ min: 1n, max: (1n << 160n) - 1n }), source: fc.string({ minLength: 1 }), note: fc.string(), seq: fc.nat(1_000_000), key: fc.nat() }), { minLength: 1, maxLength: 12 }),
    createdAt: fc.nat(),
    seed: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  })
  .map(({ keys, jobs, createdAt, seed }): SealRequest => ({
    keys,
    createdAt,
    random: Uint8Array.from({ length: jobs.length * SEAL_RANDOM_BYTES }, (_, i) => seed[i % seed.length]! ^ i),
    jobs: jobs.map((j) => {
      const d = drafts[j.link]
      return { draft: { ...d, channelId: j.channel, source: j.source, publicFields: { ...d.publicFields, note: j.note }, privateFields: { ...d.privateFields, note: j.note } } as unknown as RecordDraft, keyIndex: j.key % keys.length, seq: j.seq }
    }),
  }))

/** The columns a sealer gave back (without a feeding writer, it always gives them back). */
async function columns(sealer: Sealer, request: SealRequest) {
  const outcome = await sealer.seal(request)
  assert.equal(outcome.fed, false)
  return outcome.sealed
}

async function readySealer(options: ConstructorParameters<typeof Sealer>[0] = {}): Promise<Sealer> {
  const sealer = new Sealer(options)
  sealer.warm()
  for (let i = 0; i < 400 && !sealer.threadReady; i++) await new Promise((r) => setTimeout(r, 25))
  assert.ok(sealer.threadReady, 'the seal thread started within 10 s')
  return sealer
}

test('the seal thread seals exactly as inline sealing does, and the records open with their channel key', async () => {
  const sealer = await readySealer()
  try {
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const threaded = await columns(sealer, request)
        const inline = sealBatch(request)
        assert.deepEqual({ ...threaded, leaves: Buffer.from(threaded.leaves) }, { ...inline, leaves: Buffer.from(inline.leaves) })
        request.jobs.forEach((job, i) => {
          const record = sealedRecord(request, threaded, i)
          assert.deepEqual(openRecord(record, request.keys[job.keyIndex]!), JSON.parse(JSON.stringify(job.draft.privateFields)))
        })
      }),
      { numRuns: 60 },
    )
  } finally {
    await sealer.close()
  }
})

test('without a thread (threaded: false) batches are sealed inline, the same bytes', async () => {
  const sealer = new Sealer({ threaded: false })
  sealer.warm()
  const request = fc.sample(requests, { numRuns: 1, seed: 7 })[0]!
  const sealed = await columns(sealer, request)
  assert.equal(sealer.threadReady, false)
  assert.deepEqual(sealed.recordIds, sealBatch(request).recordIds)
})

test('a process with a seal thread (starting, or idle after a batch) exits when its work is done', () => {
  for (const wait of [0, 1500]) {
    const script = `
      import { Sealer } from ${JSON.stringify(new URL('./Sealer.ts', import.meta.url).href)}
      const sealer = new Sealer()
      sealer.warm()
      await new Promise((r) => setTimeout(r, ${wait}))
      console.log(sealer.threadReady ? 'ready' : 'starting')`
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(run.status, 0, `exit after ${wait} ms: ${run.stderr || run.error}`)
    assert.match(run.stdout, wait ? /ready/ : /starting/)
  }
})

test('rows sealed for the writer thread\'s feed are the rows the store builds from sealed columns, laid out as fedInserts says', () => {
  const copy = (r: SealRequest): SealRequest => ({ ...r, random: r.random.slice() }) // sealing zeroes the record keys it used
  const large = fc.sample(requests, { numRuns: 1, seed: 11 })[0]!
  const many: SealRequest = { ...large, jobs: Array.from({ length: 2 * INSERT_CHUNK + 1 }, (_, i) => ({ ...large.jobs[i % large.jobs.length]!, seq: i, draft: { ...large.jobs[i % large.jobs.length]!.draft, source: `many:${i}` } })), random: Uint8Array.from({ length: (2 * INSERT_CHUNK + 1) * 56 }, (_, i) => i & 0xff) }
  fc.assert(
    fc.property(fc.oneof({ arbitrary: requests, weight: 20 }, { arbitrary: fc.constant(many), weight: 1 }), (request) => {
      const rows = sealToRows(copy(request))
      const sealed = sealBatch(copy(request))
      assert.deepEqual(rows.recordIds, sealed.recordIds)
      assert.deepEqual(Buffer.from(rows.leaves), Buffer.from(sealed.leaves))
      const expected: unknown[][] = fedInserts(request.jobs.length).map(() => [])
      for (const f of fedInserts(request.jobs.length)) {
        for (let i = 0; i < f.rows; i++) {
          const j = (f.part % Math.ceil(request.jobs.length / INSERT_CHUNK)) * INSERT_CHUNK + i
          const record = sealedRecord(request, sealed, j)
          if (f.table === 'supervision_records') pushRecordRow(expected[f.part]!, record)
          else pushLeafRow(expected[f.part]!, record, `0x${Buffer.from(sealed.leaves.subarray(32 * j, 32 * j + 32)).toString('hex')}`)
        }
      }
      assert.deepEqual(rows.parts, expected)
    }),
    { numRuns: 60 },
  )
  // Around the chunk size: records' chunks first, then the leaves', each full but the last.
  for (const [count, shape] of [[0, []], [1, [1, 1]], [INSERT_CHUNK, [INSERT_CHUNK, INSERT_CHUNK]], [INSERT_CHUNK + 1, [INSERT_CHUNK, 1, INSERT_CHUNK, 1]]] as const) {
    const inserts = fedInserts(count)
    assert.deepEqual(inserts.map((f) => f.rows), shape, `${count} records`)
    assert.deepEqual(inserts.map((f) => f.part), inserts.map((_, i) => i))
    assert.deepEqual(inserts.map((f) => f.table), inserts.map((_, i) => (i < inserts.length / 2 ? 'supervision_records' : 'supervision_leaves')))
  }
})

test('two sealers feeding one writer thread never post under the same ticket', async () => {
  const database = await createTestDatabase('sqlite')
  const sealers = [await readySealer({ feedTo: database.writer }), await readySealer({ feedTo: database.writer })]
  try {
    const request = fc.sample(requests, { numRuns: 1, seed: 3 })[0]!
    const outcomes = []
    for (const sealer of sealers) for (let i = 0; i < 2; i++) outcomes.push(await sealer.seal({ ...request, random: request.random.slice() }))
    const tickets = outcomes.map((o) => (o.fed ? o.ticket : undefined))
    assert.ok(tickets.every((t) => t !== undefined), 'every batch was fed')
    assert.equal(new Set(tickets).size, tickets.length, `tickets ${tickets.join(', ')}`)
    for (const o of outcomes) if (o.fed) database.writer!.discard(o.ticket, o.generation)
  } finally {
    await Promise.all(sealers.map((s) => s.close()))
    await database.destroy()
  }
})
