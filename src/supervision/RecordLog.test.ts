/**
 * The record log's pipelined write path on SQLite with its writer thread: submissions given
 * without waiting are written in order with consecutive positions; a failed write voids what
 * was staged on top of it and the log continues from the database with no gap; a source in
 * flight is a duplicate. Every test runs both ways a submission's rows reach the writer
 * thread: sealed inline and sent from the main thread, and fed by the seal thread.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from 'viem'
import { createTestDatabase, type TestDatabase } from '../db/testing/testDatabases.ts'
import type { FeedingWriter, TransactionRunner } from '../db/writerThread.ts'
import { ChannelKeyWrapper } from './envelope.ts'
import { recordLeafHash } from './record.ts'
import { RecordLog, StaleSubmissionError, type Submission } from './RecordLog.ts'
import { SupervisionStore } from './SupervisionStore.ts'
import type { ChannelPlan } from './tradeContext.ts'
import { tradeDrafts } from './testing/fixtures.ts'

const producerOrg = '0x4444444444444444444444444444444444444444'
const producerKey = secp256k1.utils.randomSecretKey()
const plan: ChannelPlan = { kind: 'DePlSu', members: [{ org: '0x3333333333333333333333333333333333333333', role: 'demander' }, { org: producerOrg, role: 'platform' }] }

let db: TestDatabase
before(async () => {
  db = await createTestDatabase('sqlite')
  assert.ok(db.writer, 'an SQLite file has a writer thread')
})
after(() => db.destroy())

/**
 * The writer thread, its transactions (of either kind, counted from 0) going first through
 * `decide`: a promise it returns stands for the transaction's outcome, undefined lets it run.
 */
function interceptedWriter(decide: (n: number) => Promise<void> | undefined): FeedingWriter {
  const writer = db.writer!
  let n = 0
  return {
    run: (queries, options) => decide(n++) ?? writer.run(queries, options),
    runFed: (statements, generation, options) => decide(n++) ?? writer.runFed(statements, generation, options),
    openFeed: () => writer.openFeed(),
    ticket: () => writer.ticket(),
    get feedGeneration() {
      return writer.feedGeneration
    },
    discard: (ticket, generation) => writer.discard(ticket, generation),
  }
}

/** The writer thread, failing the transactions whose numbers are in `failing` (counted from 0). */
const failingWriter = (failing: Set<number>) => interceptedWriter((n) => (failing.has(n) ? Promise.reject(new Error('disk full (injected)')) : undefined))

/** Logs a test opened: their seal threads end after it. */
const opened: RecordLog[] = []
afterEach(() => Promise.all(opened.splice(0).map((log) => log.close())))

/**
 * The two ways rows reach the writer thread: sealed inline, the main thread sending them (a
 * plain transaction runner: no feed); and fed by the seal thread (ready before the test's
 * first submission).
 */
const MODES = [
  { name: 'rows sent by the main thread', fed: false },
  { name: 'rows fed by the seal thread', fed: true },
] as const
let mode: (typeof MODES)[number] = MODES[0]
/** A channel of the current mode's own (both modes write to one database). */
const ch = (id: bigint) => (mode.fed ? id + 0x10000n : id)

/** A store on `writer` as the current mode uses it: without a feed, only its `run`. */
function storeOn(writer: FeedingWriter, construct = (w: TransactionRunner) => new SupervisionStore(db.db, db.reader, w)): SupervisionStore {
  return construct(mode.fed ? writer : { run: (queries, options) => writer.run(queries, options) })
}

async function logOn(store: SupervisionStore, grown: Map<bigint, number[]> = new Map(), publicKeyOf: (org: string) => Promise<Uint8Array | undefined> = async () => undefined): Promise<RecordLog> {
  const log = new RecordLog({
    sealThread: mode.fed,
    store,
    wrapper: new ChannelKeyWrapper(producerKey), // one producer: a second log (another process) opens the first's keys
    producerOrg,
    publicKeyOf, // by default no member published a key: the producer keeps its own copy
    onAppended: (channels) => {
      for (const [id, g] of channels) grown.set(id, [...(grown.get(id) ?? []), g.from, g.to])
    },
  })
  opened.push(log)
  if (mode.fed) {
    log.warm()
    for (let i = 0; i < 400 && !log.sealThreadReady; i++) await new Promise((r) => setTimeout(r, 25))
    assert.ok(log.sealThreadReady, 'the seal thread started within 10 s')
  }
  return log
}

const submissionsOf = (channelId: bigint, services: number): Submission[] => {
  const { drafts, facts } = tradeDrafts(channelId, services)
  return drafts.map((draft) => ({ draft, facts, plan }))
}

/** Every channel's stored positions are 0..n-1, and each stored leaf is its record's hash. */
async function assertContiguous(channelId: bigint, expected: number): Promise<void> {
  const store = new SupervisionStore(db.db)
  const records = await store.channelRecords(channelId)
  const leaves = await store.channelLeaves(channelId)
  assert.deepEqual(records.map((r) => r.seq), [...Array(expected).keys()], `channel ${channelId}: positions`)
  assert.deepEqual(leaves.map((l) => l.leafHash), records.map((r) => `0x${Buffer.from(recordLeafHash(r)).toString('hex')}`), `channel ${channelId}: leaves`)
}

for (const m of MODES) {
  describe(m.name, () => {
    before(() => {
      mode = m
    })
    test('submissions given without waiting are written in order, each channel with consecutive positions', async () => {
      const store = storeOn(db.writer!)
      const grown = new Map<bigint, number[]>()
      const log = await logOn(store, grown)
      // Three channels, their records spread over five submissions in flight at once.
      const all = [...submissionsOf(ch(0x100n), 30), ...submissionsOf(ch(0x101n), 30), ...submissionsOf(ch(0x102n), 30)]
      const order = all.map((s, i) => ({ s, k: (i * 7919) % all.length })).sort((a, b) => a.k - b.k).map((x) => x.s)
      // Keep each channel's own order (access before match before services) in the shuffled list.
      const byChannel = new Map<bigint, Submission[]>()
      for (const s of all) byChannel.set(s.draft.channelId, [...(byChannel.get(s.draft.channelId) ?? []), s])
      const shuffled = order.map((s) => byChannel.get(s.draft.channelId)!.shift()!)
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => log.submit(shuffled.slice(i * 20, (i + 1) * 20))))
      assert.equal(results.reduce((n, r) => n + r.accepted.length, 0), all.length)
      assert.deepEqual(results.flatMap((r) => r.rejected), [])
      assert.equal(log.sealStats.fedBatches > 0, mode.fed, 'the rows went the way this mode says')
      for (const id of [ch(0x100n), ch(0x101n), ch(0x102n)]) {
        await assertContiguous(id, 32)
        // The anchorer heard of every growth once, in order, each continuing the last.
        const g = grown.get(id)!
        for (let i = 2; i < g.length; i += 2) assert.equal(g[i], g[i - 1], `channel ${id}: growth continues`)
        assert.deepEqual([g[0], g[g.length - 1]], [0, 32])
        // The log's cached leaves are the stored ones.
        assert.deepEqual((await log.leaves(id)).map((l) => `0x${Buffer.from(l).toString('hex')}`), (await store.channelLeaves(id)).map((l) => l.leafHash))
      }
    })

    test('a failed write voids the submissions staged on top of it; the log then continues from the database with no gap', async () => {
      const store = storeOn(failingWriter(new Set([1])))
      const log = await logOn(store)
      const subs = submissionsOf(ch(0x200n), 8) // 10 records
      const first = log.submit(subs.slice(0, 4))
      const second = log.submit(subs.slice(4, 7))
      const third = log.submit(subs.slice(7))
      assert.equal((await first).accepted.length, 4)
      await assert.rejects(second, /disk full \(injected\)/)
      await assert.rejects(third, StaleSubmissionError)
      await assertContiguous(ch(0x200n), 4)
      // Submitted again (the producer's retry): positions continue at 4, nothing is a duplicate.
      const again = await log.submit(subs.slice(4))
      assert.deepEqual([again.accepted.map((a) => a.seq), again.duplicates], [[4, 5, 6, 7, 8, 9], 0])
      await assertContiguous(ch(0x200n), 10)
      assert.equal((await log.leaves(ch(0x200n))).length, 10)
    })

    test('a failed first write of a channel forgets its key: the retry creates the channel afresh', async () => {
      const store = storeOn(failingWriter(new Set([0])))
      const log = await logOn(store)
      const subs = submissionsOf(ch(0x300n), 1)
      await assert.rejects(log.submit(subs), /disk full/)
      assert.deepEqual(await store.channelKeys(ch(0x300n)), [])
      assert.equal((await log.submit(subs)).accepted.length, 3)
      const [key] = await store.channelKeys(ch(0x300n))
      assert.ok(key && hexToBytes(key.wrappedKey).length > 32)
      await assertContiguous(ch(0x300n), 3)
    })

    test('a write that fails while the next submission is being staged voids that staging too: no position is lost', async () => {
      // The first transaction's outcome is decided by the test; the next submission's staging
      // waits (creating its channel) on a member's key lookup the test releases.
      let failFirst!: (e: Error) => void
      let n = 0
      const writer = interceptedWriter((k) => (n++, k === 0 ? new Promise<void>((_, reject) => (failFirst = reject)) : undefined))
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const gatedOrg = '0x5555555555555555555555555555555555555555' as const
      const log = await logOn(storeOn(writer), new Map(), async (org) => {
        if (org === gatedOrg) await gate
        return undefined
      })
      const first = submissionsOf(ch(0x500n), 2)
      const second = submissionsOf(ch(0x501n), 2).map((s) => ({ ...s, plan: { ...plan, members: [...plan.members, { org: gatedOrg, role: 'provider' as const }] } }))
      const a = log.submit(first)
      const b = log.submit(second)
      while (n === 0) await new Promise((r) => setImmediate(r)) // a is being written, b is staging (waiting at the gate)
      failFirst(new Error('disk full (injected)'))
      await assert.rejects(a, /disk full/)
      release()
      await assert.rejects(b, StaleSubmissionError)
      // Both again: each channel's positions start at 0, nothing skipped.
      const [again1, again2] = await Promise.all([log.submit(first), log.submit(second)])
      assert.deepEqual([again1.accepted.map((r) => r.seq), again2.accepted.map((r) => r.seq)], [[0, 1, 2, 3], [0, 1, 2, 3]])
      await assertContiguous(ch(0x500n), 4)
      await assertContiguous(ch(0x501n), 4)
    })

    test('the anchorer and a staging loading one channel at once share one load and one state: no position lost', async () => {
      const first = await logOn(storeOn(db.writer!))
      await first.submit(submissionsOf(ch(0x600n), 2)) // 4 records: access, match, service 0-1
      // Another process: the channel is not cached. Its key lookup waits at a gate, so the
      // anchorer's read of the leaves and the staging's load overlap.
      let lookups = 0
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      class GatedStore extends SupervisionStore {
        override async channelKeys(channelId: bigint) {
          lookups++
          await gate
          return super.channelKeys(channelId)
        }
      }
      const log = await logOn(storeOn(db.writer!, (w) => new GatedStore(db.db, db.reader, w)))
      const all = submissionsOf(ch(0x600n), 8)
      const staged = log.submit(all.slice(4, 8)) // services 2-5
      const leaves = log.leaves(ch(0x600n))
      while (lookups === 0) await new Promise((r) => setImmediate(r))
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      release()
      assert.equal((await leaves).length, 4)
      assert.deepEqual((await staged).accepted.map((r) => r.seq), [4, 5, 6, 7])
      assert.equal(lookups, 1, 'one load for both')
      assert.deepEqual((await log.submit(all.slice(8))).accepted.map((r) => r.seq), [8, 9])
      await assertContiguous(ch(0x600n), 10)
    })

    test('logs sharing one writer thread never insert each other\'s rows, even one left on the thread by a failed write', async () => {
      // The first log's write fails before it reaches the thread: with a feed, its rows were
      // already posted there and nothing will insert or discard them.
      const failed = await logOn(storeOn(failingWriter(new Set([0]))))
      await assert.rejects(failed.submit(submissionsOf(ch(0x800n), 1)), /disk full/)
      const other = await logOn(storeOn(db.writer!))
      assert.equal((await other.submit(submissionsOf(ch(0x801n), 1))).accepted.length, 3)
      await assertContiguous(ch(0x801n), 3)
      await assertContiguous(ch(0x800n), 0)
    })

    test('a source staged and not yet written is a duplicate in the next submission', async () => {
      const log = await logOn(storeOn(db.writer!))
      const subs = submissionsOf(ch(0x400n), 2)
      const [a, b] = await Promise.all([log.submit(subs), log.submit(subs)])
      assert.deepEqual([a.accepted.length, a.duplicates, b.accepted.length, b.duplicates], [4, 0, 0, 4])
      await assertContiguous(ch(0x400n), 4)
    })

    test('a source recorded or rejected before is a duplicate for a log that has not cached its channel', async () => {
      const store = storeOn(db.writer!)
      const [first] = submissionsOf(ch(0x700n), 2)
      // Rejected without a plan (no members to encrypt for): the channel gets no key rows, so a
      // later log finds it absent and looks its drafts up among the rejections only.
      const rejected = await (await logOn(store)).submit([{ ...first!, plan: undefined }])
      assert.deepEqual(rejected.rejected.map((r) => r.rule), ['channel'])
      assert.equal((await (await logOn(store)).submit(submissionsOf(ch(0x701n), 2))).accepted.length, 4)
      const again = await (await logOn(store)).submit([first!, ...submissionsOf(ch(0x701n), 2)])
      assert.deepEqual([again.accepted.length, again.rejected.length, again.duplicates], [0, 0, 5])
      await assertContiguous(ch(0x701n), 4)
    })
  })
}
