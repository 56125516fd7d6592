/**
 * Reading the gas limit of a raw signed transaction without decoding (or recovering) all of it:
 * the journaling provider needs it to keep every block it mines within the EIP-1559 gas target,
 * which is what keeps the base fee at zero.
 */
import type { Hex } from 'viem'

/**
 * The index of the gas limit among the RLP list fields of each typed transaction (EIP-2718):
 * 1 (EIP-2930) `[chainId, nonce, gasPrice, gasLimit, …]`; 2 (EIP-1559), 3 (EIP-4844) and
 * 4 (EIP-7702) `[chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, …]`.
 */
const gasFieldByType: Record<number, number> = { 1: 3, 2: 4, 3: 4, 4: 4 }
/** A legacy transaction is an RLP list `[nonce, gasPrice, gasLimit, …]`. */
const LEGACY_GAS_FIELD = 2

/**
 * The gas limit `raw` declares, or `undefined` when it is not a transaction this reader knows
 * (unknown type, malformed RLP); callers then assume the largest gas limit allowed.
 *
 * @example
 * transactionGasLimit(await account.signTransaction({ gas: 100_000n, … })) // 100000n
 */
export function transactionGasLimit(raw: Hex): bigint | undefined {
  if (typeof raw !== 'string' || raw.length < 4 || raw.length % 2 !== 0 || !raw.startsWith('0x')) return undefined
  const bytes = Buffer.from(raw.slice(2), 'hex')
  if (bytes.length * 2 !== raw.length - 2) return undefined
  const first = bytes[0]!
  const typed = first < 0x7f
  const field = typed ? gasFieldByType[first] : LEGACY_GAS_FIELD
  if (field === undefined) return undefined
  const list = readItem(bytes, typed ? 1 : 0)
  if (!list || !list.isList) return undefined
  let offset = list.start
  for (let i = 0; i <= field; i++) {
    const item = readItem(bytes, offset)
    if (!item || item.isList || item.start + item.length > list.start + list.length) return undefined
    if (i === field) {
      if (item.length > 32) return undefined
      return item.length === 0 ? 0n : BigInt(`0x${bytes.subarray(item.start, item.start + item.length).toString('hex')}`)
    }
    offset = item.start + item.length
  }
  return undefined
}

/** The RLP item at `offset`: where its payload starts, its length, and whether it is a list. */
function readItem(bytes: Buffer, offset: number): { start: number; length: number; isList: boolean } | undefined {
  if (offset >= bytes.length) return undefined
  const prefix = bytes[offset]!
  let item: { start: number; length: number; isList: boolean }
  if (prefix < 0x80) item = { start: offset, length: 1, isList: false }
  else if (prefix <= 0xb7) item = { start: offset + 1, length: prefix - 0x80, isList: false }
  else if (prefix < 0xc0) item = longItem(bytes, offset, prefix - 0xb7, false)
  else if (prefix <= 0xf7) item = { start: offset + 1, length: prefix - 0xc0, isList: true }
  else item = longItem(bytes, offset, prefix - 0xf7, true)
  return item.start + item.length <= bytes.length ? item : undefined
}

function longItem(bytes: Buffer, offset: number, lengthBytes: number, isList: boolean): { start: number; length: number; isList: boolean } {
  if (offset + 1 + lengthBytes > bytes.length || lengthBytes > 4) return { start: bytes.length, length: 1, isList }
  return { start: offset + 1 + lengthBytes, length: bytes.readUIntBE(offset + 1, lengthBytes), isList }
}
