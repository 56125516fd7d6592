/**
 * Crash-safe file primitives for secret-bearing files (the keystore): atomic replace,
 * create-without-overwrite, an advisory lock for read-modify-write, and bounded reads.
 *
 * Every file written here is mode 0600 in a directory created 0700. A reader never sees a
 * half-written file: data goes to a temporary file in the same directory, is fsynced, then
 * renamed (replace) or hard-linked (create) onto the target, and the directory is fsynced.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { KeystoreExistsError, KeystoreLockedError, KeystoreNotFoundError } from '../errors/identity.ts'
import { processAlive } from '../platform/processAlive.ts'

export type WriteFileAtomicOptions = {
  /** Fail with `KeystoreExistsError` instead of replacing an existing file. */
  exclusive?: boolean | undefined
}

/**
 * Writes `data` to `path` atomically with mode 0600.
 *
 * @example
 * await writeFileAtomic('/data/org.keystore.json', json, { exclusive: true })
 */
export async function writeFileAtomic(path: string, data: string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(data, 'utf8')
    await handle.chmod(0o600)
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(temp, { force: true })
    throw err
  }
  await handle.close()
  try {
    if (options.exclusive) {
      // link(2) fails with EEXIST instead of replacing: no window in which two creators both win.
      await link(temp, path).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new KeystoreExistsError({ path })
        throw err
      })
      await unlink(temp)
    } else {
      await rename(temp, path)
    }
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  await syncDirectory(dir)
}

/**
 * Reads a UTF-8 file of at most `maxBytes`, mapping a missing file to `KeystoreNotFoundError`.
 * Files larger than the bound are refused before being read (returns `undefined`).
 *
 * @example
 * const text = await readBoundedFile(path, 65536)
 */
export async function readBoundedFile(path: string, maxBytes: number): Promise<string | undefined> {
  try {
    if ((await stat(path)).size > maxBytes) return undefined
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeystoreNotFoundError({ path })
    throw err
  }
}

/**
 * Runs `fn` while holding the advisory lock `<path>.lock` (created with O_EXCL, holding the
 * owner's pid). A lock left by a process that no longer exists on this host is broken once;
 * a live one fails fast with `KeystoreLockedError` rather than waiting.
 *
 * @example
 * await withFileLock(path, async () => { const s = await read(); await write(update(s)) })
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${path}.lock`
  await acquire(path, lockPath, true)
  try {
    return await fn()
  } finally {
    await rm(lockPath, { force: true })
  }
}

async function acquire(path: string, lockPath: string, mayBreakStale: boolean): Promise<void> {
  try {
    const handle = await open(lockPath, 'wx', 0o600)
    await handle.writeFile(String(process.pid), 'utf8')
    await handle.close()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeystoreNotFoundError({ path })
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    if (mayBreakStale && (await isStale(lockPath))) {
      await rm(lockPath, { force: true })
      return acquire(path, lockPath, false)
    }
    throw new KeystoreLockedError({ path, lockPath })
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 0) return false // being written right now, or not ours: leave it
  if (pid === process.pid) return false
  return !processAlive(pid)
}

async function syncDirectory(dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Directory fsync is unsupported on some platforms (Windows) and file systems; the rename
    // itself is still atomic there.
  } finally {
    await handle?.close()
  }
}
