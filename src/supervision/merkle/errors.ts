/**
 * Errors of the Merkle module. Only the builders throw (a caller asked for something that
 * does not exist); the verifiers never throw, they return false.
 */
import { BaseError } from '../../errors/base.ts'

const docsPath = 'src/supervision/merkle/README.md'

/** The arguments whose range the builders check. */
export type MerkleArgumentName = 'index' | 'oldSize' | 'newSize' | 'treeSize' | 'channelId'

export type MerkleRangeErrorType = MerkleRangeError & { name: 'MerkleRangeError' }
/**
 * An index or a tree size is not an integer in its range (an inclusion proof for leaf 7 of a
 * 5-leaf tree, a consistency proof from size 9 to size 4, ...).
 * @example new MerkleRangeError({ argument: 'index', value: 7, range: '0 <= index < 5' }).shortMessage
 * // 'index must be an integer with 0 <= index < 5, got 7.'
 */
export class MerkleRangeError extends BaseError {
  readonly argument: MerkleArgumentName
  constructor({ argument, value, range }: { argument: MerkleArgumentName; value: number | bigint; range: string }) {
    super(`${argument} must be an integer with ${range}, got ${value}.`, { name: 'MerkleRangeError', docsPath })
    this.argument = argument
  }
}

export type MerkleHashLengthErrorType = MerkleHashLengthError & { name: 'MerkleHashLengthError' }
/**
 * A value that must be a SHA-256 hash (a leaf hash, a node, a root) is not 32 bytes long.
 * @example new MerkleHashLengthError({ what: 'leaf 3', length: 31 }).shortMessage
 * // 'leaf 3 must be a 32-byte SHA-256 hash, got 31 bytes.'
 */
export class MerkleHashLengthError extends BaseError {
  readonly length: number
  constructor({ what, length }: { what: string; length: number }) {
    super(`${what} must be a 32-byte SHA-256 hash, got ${length} byte${length === 1 ? '' : 's'}.`, { name: 'MerkleHashLengthError', docsPath })
    this.length = length
  }
}

export type MerkleHexErrorType = MerkleHexError & { name: 'MerkleHexError' }
/**
 * A string is not `0x` followed by an even number of hex digits.
 * @example new MerkleHexError({ length: 5 }).shortMessage
 * // 'Expected 0x followed by an even number of hex digits (a string of 5 characters was given).'
 */
export class MerkleHexError extends BaseError {
  constructor({ length }: { length: number }) {
    // The text itself stays out of the message: it may be anything a client sent.
    super(`Expected 0x followed by an even number of hex digits (a string of ${length} characters was given).`, {
      name: 'MerkleHexError',
      docsPath,
    })
  }
}
