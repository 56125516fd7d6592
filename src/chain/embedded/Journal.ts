/**
 * The append-only, crash-safe write-ahead journal file of the embedded chain.
 *
 * Opening reads and checks every frame: a torn tail (the unacknowledged last append, cut by a
 * crash) is truncated; damage followed by valid frames throws {@link JournalCorruptError}.
 * Each `append` is one `write` plus one `fdatasync`: a batch is durable when it resolves.
 */
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
}

/** Result of {@link Journal.open}: the journal and the records after its header. */
export type JournalOpenReturnType = {
  journal: Journal
  records: (BlockRecord | ClockRecord)[]
  /** Bytes of torn tail removed while opening (0 when the file ended cleanly). */
  truncatedBytes: number
}

/** An open journal file. Not safe for concurrent `append` calls: callers serialise them. */
export class Journal {
  readonly path: string
  #handle: FileHandle | undefined
  #size: number

  private constructor(path: string, handle: FileHandle, size: number) {
    this.path = path
    this.#handle = handle
    this.#size = size
  }

  /**
   * Opens (or creates) the journal at `path`, validating every frame.
   *
   * @example
   * const { journal, records } = await Journal.open({ path, header: { chainId: 31337n, genesisHash } })
   */
  static async open({ path, header, logger }: JournalOpenParameters): Promise<JournalOpenReturnType> {
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return Buffer.alloc(0)
      throw err
    })
    const decoded = decodeJournal(bytes)
    if (decoded.corrupt) throw new JournalCorruptError({ path, ...decoded.corrupt })

    const handle = await open(path, bytes.length === 0 ? 'w+' : 'r+')
    try {
      let truncatedBytes = 0
      if (decoded.tornTail) {
        truncatedBytes = decoded.tornTail.bytes
        logger?.warn({ path, ...decoded.tornTail }, 'chain journal: truncating torn tail left by a crash')
        await handle.truncate(decoded.validEnd)
        await handle.datasync()
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
      } else {
        checkHeader(path, first, header)
      }
      const records = rest.map((record) => {
        if (record.kind === 'header') throw new JournalCorruptError({ path, offset: -1, reason: 'a second header record' })
        return record
      })
      return { journal: new Journal(path, handle, size), records, truncatedBytes }
    } catch (err) {
      await handle.close()
      throw err
    }
  }

  /** Bytes in the journal file. */
  get size(): number {
    return this.#size
  }

  /**
   * Appends records with one write and one `fdatasync`; resolves once they are durable.
   *
   * @example
   * await journal.append([{ kind: 'block', number: 1n, timestamp, hash, txs: [raw] }])
   */
  async append(records: readonly (BlockRecord | ClockRecord)[]): Promise<void> {
    if (!this.#handle) throw new Error(`journal ${this.path} is closed`)
    if (records.length === 0) return
    const frames = encodeFrames(records)
    let written = 0
    while (written < frames.length) {
      const { bytesWritten } = await this.#handle.write(frames, written, frames.length - written, this.#size + written)
      written += bytesWritten
    }
    await this.#handle.datasync()
    this.#size += frames.length
  }

  /** Closes the file (appends already resolved are durable). */
  async close(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close()
  }
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
