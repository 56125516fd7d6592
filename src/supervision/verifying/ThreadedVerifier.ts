/**
 * Record verifications on a thread of their own (verifyThread.ts), for an SQLite node: the
 * API's hot read. On the main thread a verification over HTTP cost ~130–145 µs of CPU beside
 * ~95 µs for the HTTP handling itself (bench:supervision, with the verification's result
 * cached as the experiment); on the thread it runs beside the HTTP handling, on the other core.
 *
 * The thread runs the same {@link Verifier} on its own read connection to the same file
 * (committed data only, as the main read connection) and asks this side for committed roots,
 * which the main Verifier reads from the chain and caches — so a result does not depend on
 * where it was computed. Until the thread is ready, if it dies, or without a file (PostgreSQL,
 * `:memory:`), verifications run inline on the main Verifier.
 */
import type { Logger } from 'pino'
import type { Hex } from 'viem'
import { FallbackThread } from '../../threads/FallbackThread.ts'
import type { RequestChannel } from '../../threads/RequestChannel.ts'
import { threadProgram } from '../../threads/threadProgram.ts'
import type { RecordVerification, Verifier } from '../Verifier.ts'
import type { VerifyThreadData } from './verifyThread.ts'

/** The verify thread failed (died or could not start): the verification is run inline. */
export class VerifyThreadError extends Error {
  override readonly name = 'VerifyThreadError'
}

export interface ThreadedVerifierParameters {
  /** Verifies inline, and reads and caches the committed roots the thread asks for. */
  verifier: Verifier
  /** The SQLite file the thread reads; undefined: always inline. */
  file: string | undefined
  logger?: Pick<Logger, 'warn'> | undefined
}

export class ThreadedVerifier {
  readonly #verifier: Verifier
  readonly #thread: FallbackThread<RecordVerification>
  /** Verifications answered by the thread and inline. */
  readonly stats = { thread: 0, inline: 0 }

  constructor({ verifier, file, logger }: ThreadedVerifierParameters) {
    this.#verifier = verifier
    this.#thread = new FallbackThread<RecordVerification>({
      name: 'supervision: the verify thread',
      fallback: 'verifying on the main thread',
      program: () => threadProgram('verify-thread', new URL('./verifyThread.ts', import.meta.url)),
      enabled: file !== undefined,
      workerData: { file, chainId: verifier.identity.chainId, contract: verifier.identity.contract } satisfies Partial<VerifyThreadData>,
      read: (m) => (m.error !== undefined ? { error: new Error(String(m.error)) } : { value: m.verification as RecordVerification }),
      failure: (why) => new VerifyThreadError(`verify thread: ${why}`),
      onMessage: (m, thread) => this.#answerRootAsk(m as { ask?: number; rootOf?: number }, thread),
      logger,
    })
  }

  /** Whether verifications go to the thread now. */
  get threadReady(): boolean {
    return this.#thread.ready
  }

  /** Starts the thread now (a node at start) rather than at the first verification. */
  warm(): void {
    this.#thread.warm()
  }

  /** {@link Verifier.verify}, on the thread when it is ready. */
  async verify(recordId: Hex): Promise<RecordVerification> {
    const thread = this.#thread.current()
    if (thread) {
      try {
        const verification = await thread.request({ recordId })
        this.stats.thread++
        return verification
      } catch (err) {
        if (!(err instanceof VerifyThreadError)) throw err
        // The thread died with this verification out: a read, so it is simply done here.
      }
    }
    this.stats.inline++
    return this.#verifier.verify(recordId)
  }

  /** Ends the thread (verifications already given are answered first). */
  close(): Promise<void> {
    return this.#thread.close()
  }

  /** The thread asks for a committed root: from the chain, through the main Verifier's cache. */
  #answerRootAsk(m: { ask?: number; rootOf?: number }, thread: RequestChannel<RecordVerification>): void {
    if (typeof m.ask !== 'number' || typeof m.rootOf !== 'number') return
    const ask = m.ask
    this.#verifier.onChainRoot(m.rootOf).then(
      (root) => thread.worker.postMessage({ ask, root }),
      (e: unknown) => thread.worker.postMessage({ ask, error: e instanceof Error ? e.message : String(e) }),
    )
  }
}
