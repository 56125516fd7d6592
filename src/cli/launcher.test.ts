/**
 * bin/bourse.mjs: the prebuilt bundle while it is newer than every source file, the sources
 * (through tsx) otherwise — checked on a scratch tree whose "bundle" and "sources" say which ran.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { MessageChannel, Worker } from 'node:worker_threads'
import { createTestDatabase } from '../db/testing/testDatabases.ts'
import { sealBatch, sealToRows, type SealedBatch, type SealRequest } from '../supervision/sealing/sealBatch.ts'
import { tradeDrafts } from '../supervision/testing/fixtures.ts'

const repo = join(import.meta.dirname, '..', '..')
const scratch = mkdtempSync(join(tmpdir(), 'bourse-launcher-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

function tree(): { dir: string; run: (env?: Record<string, string>) => string; touch: (file: string, secondsAgo: number) => void } {
  const dir = mkdtempSync(join(scratch, 'tree-'))
  mkdirSync(join(dir, 'bin'))
  mkdirSync(join(dir, 'artifacts', 'cli'), { recursive: true })
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true })
  copyFileSync(join(repo, 'bin', 'bourse.mjs'), join(dir, 'bin', 'bourse.mjs'))
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  writeFileSync(join(dir, 'artifacts', 'cli', 'bourse.mjs'), "console.log('bundle')\n")
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "const from: string = 'sources'\nconsole.log(from)\n")
  const touch = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000)
    utimesSync(join(dir, file), t, t)
  }
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'bourse.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout.trim()
  }
  return { dir, run, touch }
}

test('runs the bundle when it is newer than every source, the sources when one is newer or on request', () => {
  const t = tree()
  t.touch('src/cli/main.ts', 60)
  t.touch('artifacts/cli/bourse.mjs', 10)
  assert.equal(t.run(), 'bundle')
  assert.equal(t.run({ BOURSE_FROM_SOURCES: '1' }), 'sources')
  t.touch('src/cli/main.ts', 1) // edited after the build
  assert.equal(t.run(), 'sources')
})

test('runs the sources when no bundle was built', () => {
  const t = tree()
  rmSync(join(t.dir, 'artifacts', 'cli', 'bourse.mjs'))
  assert.equal(t.run(), 'sources')
})

test('the real bundle and the real sources give the same program', () => {
  const help = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'bourse.mjs'), '--help'], { encoding: 'utf8', env: { ...process.env, ...env } })
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }
  const fromSources = help({ BOURSE_FROM_SOURCES: '1' })
  assert.match(fromSources, /Usage: bourse/)
  assert.equal(help({}), fromSources)
  // Run directly, the bundle is bourse too: no inlined module takes it for its own standalone entry.
  const direct = spawnSync(process.execPath, [join(repo, 'artifacts', 'cli', 'bourse.mjs'), '--help'], { encoding: 'utf8' })
  assert.equal(direct.stdout, fromSources, direct.stderr)
})

test("the bundle's seal thread (artifacts/cli/seal-thread.mjs) seals as the sources do", async () => {
  const program = join(repo, 'artifacts', 'cli', 'seal-thread.mjs')
  assert.ok(existsSync(program), 'npm run build writes the seal thread beside the bundle (Sealer.ts loads it from there)')
  const { drafts } = tradeDrafts(0x5n, 3)
  const request: SealRequest = { jobs: drafts.map((draft, seq) => ({ draft, keyIndex: 0, seq })), keys: [new Uint8Array(32).fill(7)], createdAt: 1_700_000_000_000, random: new Uint8Array(drafts.length * 56).fill(3) }
  const worker = new Worker(program)
  try {
    const replies = new Promise<{ sealed: SealedBatch }>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; sealed?: SealedBatch }) => (m.ready ? worker.postMessage({ id: 1, request }) : resolve(m as { sealed: SealedBatch })))
      worker.on('error', reject)
    })
    const { sealed } = await replies
    const inline = sealBatch({ ...request, random: request.random.slice() })
    assert.deepEqual({ ...sealed, leaves: Buffer.from(sealed.leaves) }, { ...inline, leaves: Buffer.from(inline.leaves) })
    // Fed: the rows go to the port it was given (the writer thread's feed), the ids and leaves back.
    const { port1, port2 } = new MessageChannel()
    const fed = new Promise<unknown>((resolve) => port1.once('message', resolve))
    const answer = new Promise<{ recordIds: string[]; leaves: Uint8Array }>((resolve) => worker.once('message', resolve))
    worker.postMessage({ id: 2, request, feed: { ticket: 9, port: port2 } }, [port2])
    const expected = sealToRows({ ...request, random: request.random.slice() })
    assert.deepEqual(await fed, { ticket: 9, parts: expected.parts })
    const { recordIds, leaves } = await answer
    assert.deepEqual([recordIds, Buffer.from(leaves)], [expected.recordIds, Buffer.from(expected.leaves)])
    port1.close()
  } finally {
    await worker.terminate()
  }
})

test("the bundle's verify thread (artifacts/cli/verify-thread.mjs) starts on a database file and answers", async () => {
  const program = join(repo, 'artifacts', 'cli', 'verify-thread.mjs')
  assert.ok(existsSync(program), 'npm run build writes the verify thread beside the bundle (ThreadedVerifier.ts loads it from there)')
  const database = await createTestDatabase('sqlite')
  const worker = new Worker(program, { workerData: { file: database.reader!.file, chainId: 31337, contract: `0x${'11'.repeat(20)}` } })
  try {
    const recordId = `0x${'ab'.repeat(32)}`
    const answer = new Promise<{ verification: { status: string; problems: string[] } }>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; verification?: unknown }) => (m.ready ? worker.postMessage({ id: 1, recordId }) : resolve(m as never)))
      worker.on('error', reject)
    })
    const { verification } = await answer
    assert.equal(verification.status, 'not-found')
    assert.match(verification.problems[0]!, /no record 0xabab/)
  } finally {
    await worker.terminate()
    await database.destroy()
  }
})
