import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ChainLockedError } from '../../errors/chain.ts'
import { acquireLock } from './lock.ts'

const dirs: string[] = []
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
async function lockPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bourse-lock-'))
  dirs.push(dir)
  return join(dir, 'LOCK')
}

describe('acquireLock', () => {
  it('is exclusive within a process and released by release()', async () => {
    const path = await lockPath()
    const lock = await acquireLock(path)
    assert.equal((await readFile(path, 'utf8')).trim(), String(process.pid))
    await assert.rejects(acquireLock(path), ChainLockedError)
    await lock.release()
    await (await acquireLock(path)).release()
  })

  it('takes over a lock left by a dead process, or by an earlier process that had our pid', async () => {
    const path = await lockPath()
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    await writeFile(path, `${dead}\n`)
    await (await acquireLock(path)).release()
    await writeFile(path, `${process.pid}\n`) // e.g. pid 1 in a restarted container
    await (await acquireLock(path)).release()
  })

  it('refuses a lock held by a live process', async () => {
    const path = await lockPath()
    await writeFile(path, `${process.ppid}\n`)
    await assert.rejects(acquireLock(path), (err: unknown) => err instanceof ChainLockedError && err.message.includes(String(process.ppid)))
  })
})
