/**
 * Errors of the embedded, durable chain (src/chain/embedded) and its JSON-RPC front (src/chain/rpc).
 *
 * Errors that travel back to a JSON-RPC caller carry a numeric `code` (EIP-1474), so viem and
 * other clients map them to their own RPC error classes.
 */
import { BaseError } from './base.ts'

const docsPath = 'src/chain/embedded/README.md'

/** A journal frame in the middle of the file is damaged: the node refuses to start. */
export type JournalCorruptErrorType = JournalCorruptError & { name: 'JournalCorruptError' }
/**
 * The write-ahead journal is damaged somewhere other than its torn tail.
 *
 * @example
 * throw new JournalCorruptError({ path, offset: 4096, reason: 'checksum mismatch' })
 */
export class JournalCorruptError extends BaseError {
  readonly path: string
  readonly offset: number
  constructor({ path, offset, reason }: { path: string; offset: number; reason: string }) {
    super(`The chain journal ${path} is corrupt at byte ${offset}: ${reason}.`, {
      name: 'JournalCorruptError',
      docsPath,
      metaMessages: [
        'Valid records follow the damaged one, so this is not a torn write from a crash: the node refuses to start',
        'rather than silently drop acknowledged transactions. Restore the data directory from a backup, or copy the',
        'journal aside and truncate it at this offset if losing every later transaction is acceptable.',
      ],
    })
    this.path = path
    this.offset = offset
  }
}

/** The journal belongs to another chain (different genesis) or uses an unknown format version. */
export type JournalMismatchErrorType = JournalMismatchError & { name: 'JournalMismatchError' }
/**
 * The journal header does not match this data directory's genesis, or its version is unknown.
 *
 * @example
 * throw new JournalMismatchError({ path, reason: 'genesis hash 0xab.. != 0xcd..' })
 */
export class JournalMismatchError extends BaseError {
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`The chain journal ${path} does not belong to this chain: ${reason}.`, {
      name: 'JournalMismatchError',
      docsPath,
      metaMessages: ['genesis.json and journal.bin must come from the same data directory; do not edit either by hand.'],
    })
  }
}

/** Another process holds the data directory's chain lock. */
export type ChainLockedErrorType = ChainLockedError & { name: 'ChainLockedError' }
/**
 * The chain directory is in use by another live process.
 *
 * @example
 * throw new ChainLockedError({ lockPath, pid: 1234 })
 */
export class ChainLockedError extends BaseError {
  constructor({ lockPath, pid }: { lockPath: string; pid: number }) {
    super(`The chain data directory is in use by process ${pid} (lock file ${lockPath}).`, {
      name: 'ChainLockedError',
      docsPath,
      metaMessages: ['Stop the other node first. If no such process exists, the stale lock is removed automatically.'],
    })
  }
}

/** The replayed chain's head differs from the journal's record. */
export type ReplayMismatchErrorType = ReplayMismatchError & { name: 'ReplayMismatchError' }
/**
 * Replaying the journal produced a different head block hash than the one recorded.
 *
 * @example
 * throw new ReplayMismatchError({ blockNumber: 42n, expected: '0xaa..', actual: '0xbb..' })
 */
export class ReplayMismatchError extends BaseError {
  readonly blockNumber: bigint
  readonly expected: string
  readonly actual: string
  constructor({
    blockNumber,
    expected,
    actual,
    firstDivergentBlock,
    engine,
  }: {
    blockNumber: bigint
    expected: string
    actual: string
    firstDivergentBlock?: bigint | undefined
    engine?: string | undefined
  }) {
    super(`Replaying the chain journal gave head block ${blockNumber} hash ${actual}, but the journal recorded ${expected}.`, {
      name: 'ReplayMismatchError',
      docsPath,
      metaMessages: [
        ...(firstDivergentBlock !== undefined ? [`First block whose hash differs: ${firstDivergentBlock}.`] : []),
        ...(engine ? [`Engine now: ${engine}.`] : []),
        'The node refuses to start because the state it would serve is not the state it acknowledged.',
        'Usual cause: a different EVM engine version (hardhat / @nomicfoundation/edr) than the one that wrote the',
        'journal, or an edited genesis.json. Reinstall the versions recorded in genesis.json ("engine"), or restore',
        'the data directory from a backup. Do not delete the journal: it is the only record of the chain.',
      ],
    })
    this.blockNumber = blockNumber
    this.expected = expected
    this.actual = actual
  }
}

/** The engine rejected a journaled request while replaying (a divergence before any hash check). */
export type ReplayFailedErrorType = ReplayFailedError & { name: 'ReplayFailedError' }
/**
 * Replaying block `blockNumber` failed inside the engine.
 *
 * @example
 * throw new ReplayFailedError({ blockNumber: 9n, cause })
 */
export class ReplayFailedError extends BaseError {
  readonly blockNumber: bigint
  constructor({ blockNumber, cause }: { blockNumber: bigint; cause: Error }) {
    super(`Replaying journaled block ${blockNumber} failed: the engine rejected it.`, {
      name: 'ReplayFailedError',
      docsPath,
      cause,
      metaMessages: [
        'The journal records only what the engine accepted, so the engine now behaves differently (usually another',
        'hardhat / @nomicfoundation/edr version) or genesis.json was edited. The node refuses to start.',
      ],
    })
    this.blockNumber = blockNumber
  }
}

/** `open()` asked for a chain id other than the one the data directory was created with. */
export type GenesisConflictErrorType = GenesisConflictError & { name: 'GenesisConflictError' }
/**
 * The requested genesis settings conflict with the data directory's genesis.json.
 *
 * @example
 * throw new GenesisConflictError({ field: 'chainId', existing: '31337', requested: '1337' })
 */
export class GenesisConflictError extends BaseError {
  constructor({ field, existing, requested }: { field: string; existing: string; requested: string }) {
    super(`The data directory's chain has ${field} ${existing}, but ${requested} was requested.`, {
      name: 'GenesisConflictError',
      docsPath,
      metaMessages: ['Genesis settings are fixed when a data directory is created; use a new data directory for another chain.'],
    })
  }
}

/** The JSON-RPC method would change chain state outside the journal, or is a disabled dev method. */
export type ForbiddenRpcMethodErrorType = ForbiddenRpcMethodError & { name: 'ForbiddenRpcMethodError' }
/**
 * Thrown (and returned over JSON-RPC with code -32004 "method not supported") for refused methods.
 *
 * @example
 * throw new ForbiddenRpcMethodError({ method: 'hardhat_setBalance', reason: 'state-breaking' })
 */
export class ForbiddenRpcMethodError extends BaseError {
  /** EIP-1474 "method not supported". */
  readonly code = -32004
  readonly method: string
  constructor({ method, reason }: { method: string; reason: 'state-breaking' | 'dev-disabled' | 'unknown' }) {
    const why = {
      'state-breaking': 'it would change chain state outside the durable journal (or needs an unlocked account)',
      'dev-disabled': 'it is a development method; open the chain with allowDevMethods to use it',
      unknown: 'it is not on the list of methods this node serves',
    }[reason]
    super(`Method ${method} is not allowed on the embedded chain: ${why}.`, { name: 'ForbiddenRpcMethodError', docsPath })
    this.method = method
  }
}

/** The chain was used after `close()`, or after a fatal journal write failure. */
export type ChainUnavailableErrorType = ChainUnavailableError & { name: 'ChainUnavailableError' }
/**
 * The embedded chain cannot serve requests any more.
 *
 * @example
 * throw new ChainUnavailableError({ reason: 'closed' })
 */
export class ChainUnavailableError extends BaseError {
  /** JSON-RPC "resource unavailable" (EIP-1474). */
  readonly code = -32002
  constructor({ reason, cause }: { reason: 'closed' | 'failed'; cause?: Error | undefined }) {
    super(
      reason === 'closed'
        ? 'The embedded chain is closed.'
        : 'The embedded chain stopped accepting requests after a journal failure; restart the node.',
      { name: 'ChainUnavailableError', docsPath, cause },
    )
  }
}

/** The journal could not account for a mined block (an engine path that bypassed the journal). */
export type JournalGapErrorType = JournalGapError & { name: 'JournalGapError' }
/**
 * A block was mined whose transactions the journal never saw; journaling it is impossible.
 *
 * @example
 * throw new JournalGapError({ blockNumber: 7n, txHash: '0x..' })
 */
export class JournalGapError extends BaseError {
  constructor({ blockNumber, txHash }: { blockNumber: bigint; txHash: string }) {
    super(`Block ${blockNumber} contains transaction ${txHash}, which did not arrive through eth_sendRawTransaction.`, {
      name: 'JournalGapError',
      docsPath,
    })
  }
}

/** The engine answered a JSON-RPC request with an error (a revert, a nonce too low, bad params, …). */
export type EngineRpcErrorType = EngineRpcError & { name: 'EngineRpcError' }
/**
 * An error answer of the EVM engine, passed to the caller unchanged: `message` is the engine's
 * message, `code` and `data` its JSON-RPC error code and data (a revert: code 3, `data` the
 * revert bytes), so viem maps it like any node's error.
 *
 * @example
 * throw new EngineRpcError({ message: 'Nonce too low. Expected nonce to be 2 but got 0.', code: -32000 })
 */
export class EngineRpcError extends BaseError {
  readonly code: number
  readonly data: unknown
  /** The transaction a revert belongs to, when the engine names one. */
  readonly transactionHash: string | undefined
  constructor({ message, code, data, transactionHash }: { message: string; code: number; data?: unknown; transactionHash?: string | undefined }) {
    super(message, { name: 'EngineRpcError' })
    this.code = code
    this.data = data
    this.transactionHash = transactionHash
  }
}

/** An accepted transaction could not be mined with the batch it arrived in, and was dropped. */
export type TransactionNotMinedErrorType = TransactionNotMinedError & { name: 'TransactionNotMinedError' }
/**
 * The embedded chain mines every accepted transaction before it answers; one that cannot be
 * mined then (its nonce leaves a gap, or another transaction replaced it) is dropped and its
 * sender gets this error, as an automining node refuses a nonce gap.
 *
 * @example
 * throw new TransactionNotMinedError({ hash, reason: 'nonce-gap', nonce: 7n, expectedNonce: 5n })
 */
export class TransactionNotMinedError extends BaseError {
  /** JSON-RPC "invalid input" / server error, as engines answer a nonce error. */
  readonly code = -32000
  readonly hash: string
  constructor({ hash, reason, nonce, expectedNonce }: { hash: string; reason: 'nonce-gap' | 'replaced' | 'not-includable'; nonce?: bigint | undefined; expectedNonce?: bigint | undefined }) {
    const why = {
      'nonce-gap': `Nonce too high. Expected nonce to be ${expectedNonce} but got ${nonce}. Transactions can't be queued on this chain: send them in nonce order.`,
      replaced: `Transaction ${hash} was replaced by another transaction with the same nonce before it was mined.`,
      'not-includable': `Transaction ${hash} could not be included in the block mined for it (its sender cannot pay for it after the transactions before it); it was dropped.`,
    }[reason]
    super(why, { name: 'TransactionNotMinedError', docsPath })
    this.hash = hash
  }
}
