import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { Hex } from 'viem'
import { JournalCorruptError, JournalMismatchError } from '../../errors/chain.ts'
import { Journal, PREALLOCATE_BYTES } from './Journal.ts'
import { decodeJournal, type BlockRecord } from './journalFormat.ts'

const dirs: string[] = []
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
async function journalPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bourse-journal-'))
  dirs.push(dir)
  return join(dir, 'journal.bin')
}

const header = { chainId: 31337n, genesisHash: `0x${'11'.repeat(32)}` as Hex }
const block = (n: number): BlockRecord => ({
  kind: 'block',
  number: BigInt(n),
  timestamp: 1_767_225_600n + BigInt(n),
  hash: `0x${n.toString(16).padStart(64, '0')}`,
  txs: [`0x${'02'.repeat(100 + n)}`],
})

describe('Journal', () => {
  it('creates a journal with a header, appends durably and reads records back in order', async () => {
    const path = await journalPath()
    const first = await Journal.open({ path, header })
    assert.deepEqual(first.records, [])
    await first.journal.append([block(1), block(2)])
    await first.journal.append([{ kind: 'clock', offsetSeconds: 60n }, block(3)])
    await first.journal.close()
    // The frames, then only zeros: space written ahead of the next appends.
    const bytes = await readFile(path)
    assert.equal(decodeJournal(bytes).validEnd, first.journal.size)
    assert.ok(bytes.length >= first.journal.size + PREALLOCATE_BYTES / 2, `${bytes.length} bytes in the file`)
    assert.ok(bytes.subarray(first.journal.size).every((b) => b === 0))

    const second = await Journal.open({ path, header })
    assert.deepEqual(second.records, [block(1), block(2), { kind: 'clock', offsetSeconds: 60n }, block(3)])
    assert.equal(second.truncatedBytes, 0)
    await second.journal.append([block(4)])
    await second.journal.close()
    assert.equal((await Journal.open({ path, header }).then(async (o) => (await o.journal.close(), o.records))).length, 5)
  })

  it('truncates a torn tail on disk, and appends after the last whole record', async () => {
    // A crash in the middle of the last append: the file cut short, or (inside the space
    // written ahead) the append's last bytes never written.
    for (const tear of ['cut', 'unwritten'] as const) {
      const path = await journalPath()
      const { journal } = await Journal.open({ path, header })
      await journal.append([block(1)])
      const goodSize = journal.size
      await journal.append([block(2)])
      const end = journal.size
      await journal.close()
      const bytes = await readFile(path)
      const torn = Buffer.from(bytes)
      torn.fill(0, end - 7)
      await writeFile(path, tear === 'cut' ? bytes.subarray(0, end - 7) : torn)

      const warnings: string[] = []
      const logger = { info() {}, error() {}, warn: (_: unknown, msg: string) => void warnings.push(msg) }
      const reopened = await Journal.open({ path, header, logger })
      assert.deepEqual(reopened.records, [block(1)], tear)
      assert.equal(reopened.truncatedBytes, end - 7 - goodSize, tear)
      assert.equal(reopened.journal.size, goodSize)
      const after = await readFile(path)
      assert.ok(after.subarray(0, goodSize).equals(bytes.subarray(0, goodSize)))
      assert.ok(after.subarray(goodSize).every((b) => b === 0), 'the torn bytes are gone')
      assert.match(warnings[0]!, /torn tail/)
      await reopened.journal.append([block(2)])
      await reopened.journal.close()
      assert.deepEqual((await Journal.open({ path, header })).records, [block(1), block(2)])
    }
  })

  it('treats zeros after the last frame as space written ahead, not as damage', async () => {
    const path = await journalPath()
    const { journal } = await Journal.open({ path, header, preallocateBytes: 0 })
    await journal.append([block(1)])
    await journal.close()
    assert.equal((await stat(path)).size, journal.size, 'nothing written ahead when disabled')
    await appendFile(path, Buffer.alloc(10_000))
    const warnings: string[] = []
    const logger = { info() {}, error() {}, warn: (_: unknown, msg: string) => void warnings.push(msg) }
    const reopened = await Journal.open({ path, header, logger, preallocateBytes: 4096 })
    assert.deepEqual(reopened.records, [block(1)])
    assert.equal(reopened.truncatedBytes, 0)
    assert.deepEqual(warnings, [])
    // Appends fill the space, and more is written ahead when it runs short.
    for (let n = 2; n <= 40; n++) await reopened.journal.append([block(n)])
    await reopened.journal.close()
    const bytes = await readFile(path)
    assert.ok(bytes.length > reopened.journal.size && bytes.subarray(reopened.journal.size).every((b) => b === 0))
    assert.equal((await Journal.open({ path, header })).records.length, 40)
  })

  it('refuses a journal damaged in the middle', async () => {
    const path = await journalPath()
    const { journal } = await Journal.open({ path, header })
    await journal.append([block(1)])
    const damagedAt = journal.size + 30
    await journal.append([block(2)])
    await journal.append([block(3)])
    await journal.close()
    const bytes = await readFile(path)
    bytes[damagedAt] = bytes[damagedAt]! ^ 1
    await writeFile(path, bytes)
    await assert.rejects(Journal.open({ path, header }), (err: unknown) => {
      assert.ok(err instanceof JournalCorruptError)
      assert.equal(err.offset, damagedAt - 30)
      assert.match(err.message, /checksum mismatch/)
      return true
    })
  })

  it('refuses a journal of another genesis or chain', async () => {
    const path = await journalPath()
    await (await Journal.open({ path, header })).journal.close()
    await assert.rejects(Journal.open({ path, header: { ...header, chainId: 1n } }), JournalMismatchError)
    await assert.rejects(Journal.open({ path, header: { ...header, genesisHash: `0x${'22'.repeat(32)}` } }), /genesis hash/)
  })

  it('rewrites the header when a crash tore it while the journal was being created', async () => {
    const path = await journalPath()
    await appendFile(path, Buffer.from([0x57, 0x1a, 0x0a]))
    const opened = await Journal.open({ path, header })
    assert.deepEqual(opened.records, [])
    await opened.journal.append([block(1)])
    await opened.journal.close()
    assert.deepEqual((await Journal.open({ path, header })).records, [block(1)])
  })
})
