/**
 * The local-filesystem {@link BlobBackend}: one file per blob under a directory (by default
 * `<dataDir>/blobs/`), sharded by the first byte of the id.
 *
 *     <root>/ab/ab12…ef.blob          committed blobs (mode 0600, read-only after commit)
 *     <root>/.partial/<pid>-<rand>.part   uploads in progress
 *     <root>/<name>.meta              small metadata objects (e.g. store.meta)
 *
 * Uploads are written in order; every 8 MiB a background fdatasync starts writeback early
 * (writeback.ts), so that the fsync of the commit has little left to do.
 *
 * Commit = write the header at offset 0, fsync, hard-link the partial onto its final name
 * (link(2) fails instead of replacing: a committed blob is never overwritten), unlink the
 * partial, fsync the directory. A crash at any point leaves either no blob or the whole blob,
 * plus possibly a `.part` file that {@link LocalBlobBackend.cleanupPartials} removes.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readdir, readFile, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../identity/atomicFile.ts'
import type { BlobBackend, BlobId, BlobObjectReader, BlobUpload } from '../BlobBackend.ts'
import { Writeback } from '../writeback.ts'
import { processAlive } from '../../platform/processAlive.ts'

const ID_PATTERN = /^[0-9a-f]{64}$/
/** Partials older than this are removed even if their pid belongs to a live process (pid reuse). */
const STALE_PARTIAL_MS = 24 * 3600 * 1000

export interface LocalBlobBackendParameters {
  /** The directory that holds the blobs (created 0700 if missing). */
  dir: string
}

export class LocalBlobBackend implements BlobBackend {
  readonly kind = 'local' as const
  readonly location: string
  readonly #partials: string
  readonly #active = new Set<string>()

  /**
   * @example
   * const backend = new LocalBlobBackend({ dir: join(dataDir, 'blobs') })
   */
  constructor({ dir }: LocalBlobBackendParameters) {
    this.location = dir
    this.#partials = join(dir, '.partial')
  }

  /** Path of a committed blob. */
  pathOf(id: BlobId): string {
    const hex = hexOf(id)
    return join(this.location, hex.slice(0, 2), `${hex}.blob`)
  }

  async beginUpload(reserve: number): Promise<BlobUpload> {
    await mkdir(this.#partials, { recursive: true, mode: 0o700 })
    const uploadId = `${process.pid}-${randomBytes(8).toString('hex')}`
    const path = join(this.#partials, `${uploadId}.part`)
    const handle = await open(path, 'wx', 0o600)
    this.#active.add(path)
    return new LocalUpload(this, uploadId, path, handle, reserve, () => this.#active.delete(path))
  }

  async openReader(id: BlobId): Promise<BlobObjectReader | undefined> {
    let handle: FileHandle
    try {
      handle = await open(this.pathOf(id), 'r')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    const { size } = await handle.stat()
    return {
      size,
      async read(position: number, target: Uint8Array, length: number): Promise<number> {
        let filled = 0
        while (filled < length) {
          const { bytesRead } = await handle.read(target, filled, length - filled, position + filled)
          if (bytesRead === 0) break
          filled += bytesRead
        }
        return filled
      },
      close: () => handle.close(),
    }
  }

  async delete(id: BlobId): Promise<boolean> {
    try {
      await unlink(this.pathOf(id))
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw err
    }
  }

  async *list(): AsyncIterable<BlobId> {
    for (const shard of await readdirOrEmpty(this.location)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue
      for (const name of await readdirOrEmpty(join(this.location, shard))) {
        const hex = name.endsWith('.blob') ? name.slice(0, -5) : ''
        if (ID_PATTERN.test(hex) && hex.startsWith(shard)) yield `0x${hex}`
      }
    }
  }

  /**
   * Removes `.part` files that no live upload owns: those of this process that are not in
   * progress, those whose process is gone, and any older than a day.
   */
  async cleanupPartials(): Promise<number> {
    let removed = 0
    for (const name of await readdirOrEmpty(this.#partials)) {
      const path = join(this.#partials, name)
      if (this.#active.has(path)) continue
      const pid = Number(name.split('-')[0])
      const alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)
      const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0)
      if (alive && age < STALE_PARTIAL_MS) continue
      await rm(path, { force: true })
      removed++
    }
    return removed
  }

  async getMeta(name: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.location, `${name}.meta`), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  async putMeta(name: string, text: string): Promise<void> {
    await writeFileAtomic(join(this.location, `${name}.meta`), text)
  }
}

class LocalUpload implements BlobUpload {
  #position: number
  #closed = false
  readonly #writeback: Writeback

  constructor(
    private readonly backend: LocalBlobBackend,
    readonly uploadId: string,
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly reserve: number,
    private readonly release: () => void,
  ) {
    this.#position = reserve
    this.#writeback = new Writeback(handle)
  }

  async write(pieces: readonly Uint8Array[]): Promise<void> {
    const total = pieces.reduce((n, p) => n + p.length, 0)
    const position = this.#position
    this.#position += total
    let done = (await this.handle.writev(pieces as NodeJS.ArrayBufferView[], position)).bytesWritten
    if (done < total) {
      // Short vectored write (rare on regular files): finish from a flat copy.
      const all = Buffer.concat(pieces)
      while (done < total) done += (await this.handle.write(all, done, total - done, position + done)).bytesWritten
    }
    this.#writeback.wrote(position + total)
  }

  async commit(id: BlobId, header: Uint8Array): Promise<'created' | 'exists'> {
    if (header.length !== this.reserve) throw new Error(`header of ${header.length} bytes for a ${this.reserve}-byte reserve`)
    await this.#writeback.settle()
    await this.handle.write(header, 0, header.length, 0)
    await this.handle.sync()
    await this.#close()
    const target = this.backend.pathOf(id)
    const shard = join(target, '..')
    await mkdir(shard, { recursive: true, mode: 0o700 })
    let outcome: 'created' | 'exists' = 'created'
    try {
      await link(this.path, target)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await this.abort()
        throw err
      }
      outcome = 'exists'
    }
    await rm(this.path, { force: true })
    this.release()
    await syncDirectory(shard)
    return outcome
  }

  async abort(): Promise<void> {
    await this.#close()
    await rm(this.path, { force: true })
    this.release()
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#writeback.settle().catch(() => {})
    await this.handle.close()
  }
}

function hexOf(id: BlobId): string {
  const hex = id.slice(2).toLowerCase()
  if (!id.startsWith('0x') || !ID_PATTERN.test(hex)) throw new Error(`not a blob id: ${id}`)
  return hex
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}


async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Unsupported on some platforms and file systems; link/rename stay atomic there.
  } finally {
    await handle?.close()
  }
}
