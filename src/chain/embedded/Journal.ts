/**
 * The append-only, crash-safe write-ahead journal file of the embedded chain.
 *
 * Opening reads and checks every frame: a torn tail (the unacknowledged last append, cut by a
 * crash) is truncated; damage followed by valid frames throws {@link JournalCorruptError}.
 * Each `append` is one `write` to a file opened with O_DSYNC (as durable as `write` plus
 * `fdatasync`, in one system call): a batch is durable when it resolves.
 */
import { constants } from 'node:fs'
import { open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { JournalCorruptError, JournalMismatchError } from '../../errors/chain.ts'
import type { ChainLogger } from './logger.ts'
import {
  JOURNAL_VERSION,
  decodeJournal,
  encodeFrames,
  type BlockRecord,
  type ClockRecord,
  type HeaderRecord,
  type JournalRecord,
} from './journalFormat.ts'

/** Parameters of {@link Journal.open}. */
export type JournalOpenParameters = {
  path: string
  /** The header this journal must carry; written when the journal is new. */
  header: Omit<HeaderRecord, 'kind' | 'version'>
  logger?: ChainLogger | undefined
  /** Zero-filled space kept ready after the last frame (default 4 MiB; 0: none). */
  preallocateBytes?: number | undefined
}

/** Result of {@link Journal.open}: the journal and the records after its header. */
export type JournalOpenReturnType = {
  journal: Journal
  records: (BlockRecord | ClockRecord)[]
  /** Bytes of torn tail removed while opening (0 when the file ended cleanly). */
  truncatedBytes: number
}

/** Default zero-filled space kept after the last frame. */
export const PREALLOCATE_BYTES = 4 * 1024 * 1024

/**
 * An open journal file. Not safe for concurrent `append` calls: callers serialise them.
 *
 * The file is the journal's frames followed by zero-filled space, written ahead of need (in the
 * background, `preallocateBytes` at a time): an append then overwrites blocks the file already
 * has, so the file system commits no metadata (size, block allocation) with it, and an append
 * does not wait for a file system journal commit that also flushes every other file's data.
 */
export class Journal {
  readonly path: string
  #handle: FileHandle | undefined
  #size: number
  /** Bytes in the file: everything from `#size` on is zeros. */
  #allocated: number
  readonly #preallocate: number
  #extending: Promise<void> | undefined
  readonly #logger: ChainLogger | undefined

  private constructor(path: string, handle: FileHandle, size: number, allocated: number, preallocate: number, logger: ChainLogger | undefined) {
    this.path = path
    this.#handle = handle
    this.#size = size
    this.#allocated = allocated
    this.#preallocate = preallocate
    this.#logger = logger
  }

  /**
   * Opens (or creates) the journal at `path`, validating every frame.
   *
   * @example
   * const { journal, records } = await Journal.open({ path, header: { chainId: 31337n, genesisHash } })
   */
  static async open({ path, header, logger, preallocateBytes = PREALLOCATE_BYTES }: JournalOpenParameters): Promise<JournalOpenReturnType> {
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return Buffer.alloc(0)
      throw err
    })
    const decoded = decodeJournal(bytes)
    if (decoded.corrupt) throw new JournalCorruptError({ path, ...decoded.corrupt })

    // O_DSYNC: every write returns once its data (and the file size) is on disk, as write +
    // fdatasync would, in one system call.
    const handle = await open(path, (bytes.length === 0 ? constants.O_CREAT | constants.O_TRUNC : 0) | constants.O_RDWR | constants.O_DSYNC)
    try {
      let truncatedBytes = 0
      let allocated = bytes.length
      // Zeros after the last frame are space written ahead of need, not a torn append.
      const tornEnd = decoded.tornTail ? endOfNonZero(bytes, decoded.validEnd) : decoded.validEnd
      if (tornEnd > decoded.validEnd) {
        truncatedBytes = tornEnd - decoded.validEnd
        logger?.warn({ path, ...decoded.tornTail, bytes: truncatedBytes }, 'chain journal: truncating torn tail left by a crash')
        await handle.truncate(decoded.validEnd)
        await handle.datasync()
        allocated = decoded.validEnd
      }
      const [first, ...rest] = decoded.records
      let size = decoded.validEnd
      if (first === undefined) {
        // New journal (or one whose header write was itself torn): write the header durably.
        const frames = encodeFrames([{ kind: 'header', version: JOURNAL_VERSION, ...header }])
        await handle.write(frames, 0, frames.length, 0)
        await handle.sync()
        await syncDirectory(dirname(path))
        size = frames.length
        allocated = Math.max(allocated, size)
      } else {
        checkHeader(path, first, header)
      }
      const records = rest.map((record) => {
        if (record.kind === 'header') throw new JournalCorruptError({ path, offset: -1, reason: 'a second header record' })
        return record
      })
      const journal = new Journal(path, handle, size, allocated, preallocateBytes, logger)
      journal.#preallocateAhead()
      await journal.#extending
      return { journal, records, truncatedBytes }
    } catch (err) {
      await handle.close()
      throw err
    }
  }

  /** Bytes of the journal's frames (the file may hold zero-filled space after them). */
  get size(): number {
    return this.#size
  }

  /**
   * Appends records with one synchronous-data write (the file is open with O_DSYNC: the write
   * returns once it is durable, like write + fdatasync); resolves once they are durable.
   *
   * @example
   * await journal.append([{ kind: 'block', number: 1n, timestamp, hash, txs: [raw] }])
   */
  async append(records: readonly (BlockRecord | ClockRecord)[]): Promise<void> {
    if (!this.#handle) throw new Error(`journal ${this.path} is closed`)
    if (records.length === 0) return
    const frames = encodeFrames(records)
    // Never write where a zero-filling write is still in flight.
    if (this.#size + frames.length > this.#allocated) await this.#extending
    let written = 0
    while (written < frames.length) {
      const { bytesWritten } = await this.#handle.write(frames, written, frames.length - written, this.#size + written)
      written += bytesWritten
    }
    this.#size += frames.length
    this.#allocated = Math.max(this.#allocated, this.#size)
    this.#preallocateAhead()
  }

  /** Closes the file (appends already resolved are durable). */
  async close(): Promise<void> {
    await this.#extending
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close()
  }

  /**
   * Starts writing `preallocateBytes` of zeros after the file's end once less than half of that
   * is left. A failure (a full disk) is logged: appends then extend the file themselves.
   */
  #preallocateAhead(): void {
    const handle = this.#handle
    if (!handle || this.#extending || this.#preallocate <= 0 || this.#allocated - this.#size >= this.#preallocate / 2) return
    const at = this.#allocated
    const zeros = Buffer.alloc(this.#preallocate)
    this.#extending = (async () => {
      let written = 0
      while (written < zeros.length) written += (await handle.write(zeros, written, zeros.length - written, at + written)).bytesWritten
      this.#allocated = at + zeros.length
    })()
      .catch((err: unknown) => this.#logger?.warn({ path: this.path, err }, 'chain journal: could not write space ahead; appends extend the file'))
      .finally(() => {
        this.#extending = undefined
      })
  }
}

/** The offset just past the last non-zero byte at or after `from` (`from` when there is none). */
function endOfNonZero(bytes: Buffer, from: number): number {
  const zeros = Buffer.alloc(65_536)
  for (let end = bytes.length; end > from; ) {
    const start = Math.max(from, end - zeros.length)
    if (!bytes.subarray(start, end).equals(zeros.subarray(0, end - start))) {
      while (bytes[end - 1] === 0) end--
      return end
    }
    end = start
  }
  return from
}

function checkHeader(path: string, found: JournalRecord, expected: JournalOpenParameters['header']): void {
  if (found.kind !== 'header') throw new JournalMismatchError({ path, reason: 'it does not start with a header record' })
  if (found.version !== JOURNAL_VERSION) {
    throw new JournalMismatchError({ path, reason: `format version ${found.version}, this node reads ${JOURNAL_VERSION}` })
  }
  if (found.chainId !== expected.chainId) {
    throw new JournalMismatchError({ path, reason: `chain id ${found.chainId}, genesis says ${expected.chainId}` })
  }
  if (found.genesisHash.toLowerCase() !== expected.genesisHash.toLowerCase()) {
    throw new JournalMismatchError({ path, reason: `genesis hash ${found.genesisHash}, this genesis is ${expected.genesisHash}` })
  }
}

/** fsync on a directory makes a newly created file's directory entry durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
