/**
 * An exclusive, process-level lock on a chain directory, so two nodes never append to one journal.
 */
import { open, readFile, unlink } from 'node:fs/promises'
import { ChainLockedError } from '../../errors/chain.ts'
import { processAlive } from '../../platform/processAlive.ts'

/** A held lock; `release()` removes the lock file. */
export type DirectoryLock = { path: string; release(): Promise<void> }

/** Lock files this process holds, to tell "open twice here" from "a previous process had our pid". */
const heldHere = new Set<string>()

/**
 * Takes the lock file at `path` (created exclusively, holding this process id). A lock left by a
 * process that no longer exists is removed; a live holder (including this process) makes it throw.
 * `path` should be absolute (or at least always spelled the same) for the in-process check.
 *
 * @example
 * const lock = await acquireLock(join(chainDir, 'LOCK'))
 * try { ... } finally { await lock.release() }
 */
export async function acquireLock(path: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(`${process.pid}\n`)
      await handle.sync()
      await handle.close()
      let released = false
      heldHere.add(path)
      return {
        path,
        async release() {
          if (released) return
          released = true
          heldHere.delete(path)
          await unlink(path).catch(() => undefined)
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
      // Our own pid in the file is stale unless this process holds the lock (containers reuse pid 1).
      const live = pid === process.pid ? heldHere.has(path) : processAlive(pid)
      if (live) throw new ChainLockedError({ lockPath: path, pid })
      await unlink(path).catch(() => undefined) // stale: its process is gone (or the file was torn)
    }
  }
  throw new ChainLockedError({ lockPath: path, pid: -1 })
}

