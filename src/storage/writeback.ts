/**
 * Early writeback for large files written in order (a blob being uploaded, a download being
 * received): every {@link WRITEBACK_EVERY} bytes, `fdatasync` runs in the background while
 * the next chunks are hashed and encrypted, so the disk writes overlap the CPU work and the
 * final fsync — still made before the file is published or renamed — has only the tail left.
 * (Measured here on 512 MB: the final fsync was otherwise a serial 0.1–0.2 s at the end.)
 *
 * At most one background sync runs in the whole process: it holds a libuv threadpool thread
 * (4 by default, shared with every other file operation) for as long as the disk needs, so
 * concurrent streams take turns instead of starving the pool; a stream that finds one running
 * simply syncs later. The first error of a background sync is kept and thrown by
 * {@link Writeback.settle}: an fsync error is reported only once, and must not be lost.
 */
import type { FileHandle } from 'node:fs/promises'

/** Bytes written between two background syncs of one file. */
export const WRITEBACK_EVERY = 8 << 20

let running = false

export class Writeback {
  readonly #handle: FileHandle
  #synced = 0
  #sync: Promise<void> | undefined
  #error: unknown

  /**
   * @example
   * const writeback = new Writeback(handle)
   * await handle.write(chunk, 0, chunk.length, at); writeback.wrote(at + chunk.length)
   * await writeback.settle(); await handle.sync()
   */
  constructor(handle: FileHandle) {
    this.#handle = handle
  }

  /** Call after a write completed, with the end of everything written so far. */
  wrote(end: number): void {
    if (running || this.#sync || end - this.#synced < WRITEBACK_EVERY) return
    running = true
    this.#synced = end
    this.#sync = this.#handle
      .datasync()
      .catch((err: unknown) => void (this.#error ??= err))
      .finally(() => {
        running = false
        this.#sync = undefined
      })
  }

  /** Waits for a background sync in progress; throws the first one that failed. */
  async settle(): Promise<void> {
    await this.#sync
    if (this.#error !== undefined) throw this.#error
  }
}
