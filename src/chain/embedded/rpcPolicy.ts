/**
 * Which JSON-RPC methods the embedded chain serves, and how: a read goes straight to the engine,
 * a write goes through the journal, anything that would change state outside the journal is refused.
 */
import { ForbiddenRpcMethodError } from '../../errors/chain.ts'

/** How the journaling provider handles a method. */
export type RpcMethodClass = 'read' | 'send' | 'dev-write'

/** Methods that mine (or change the clock for) blocks; journaled; served only with `allowDevMethods`. */
export const devWriteMethods = ['evm_mine', 'hardhat_mine', 'evm_increaseTime', 'evm_setNextBlockTimestamp'] as const
/** A development write method. */
export type DevWriteMethod = (typeof devWriteMethods)[number]

/** Methods that change time without mining; after them the clock offset is journaled. */
export const clockMethods: ReadonlySet<string> = new Set<DevWriteMethod>(['evm_increaseTime', 'evm_setNextBlockTimestamp', 'evm_mine', 'hardhat_mine'])

/** Read-only methods outside the eth_/net_/web3_ namespaces that are safe to serve. */
const extraReads = new Set([
  'debug_traceTransaction',
  'debug_traceCall',
  'hardhat_metadata',
  'hardhat_getAutomine',
  'eth_chainId',
])

/** eth_ methods that must not be served: they sign with (non-existent) node keys or change state. */
const forbiddenEth = new Set([
  'eth_sendTransaction',
  'eth_sign',
  'eth_signTransaction',
  'eth_signTypedData',
  'eth_signTypedData_v3',
  'eth_signTypedData_v4',
  'eth_submitWork',
  'eth_submitHashrate',
])

/**
 * Classifies `method`, or throws {@link ForbiddenRpcMethodError} naming it.
 *
 * @example
 * classifyRpcMethod('eth_call', { allowDevMethods: false })           // 'read'
 * classifyRpcMethod('eth_sendRawTransaction', { allowDevMethods: false }) // 'send'
 * classifyRpcMethod('hardhat_setBalance', { allowDevMethods: true })  // throws
 */
export function classifyRpcMethod(method: string, { allowDevMethods }: { allowDevMethods: boolean }): RpcMethodClass {
  if (method === 'eth_sendRawTransaction') return 'send'
  if ((devWriteMethods as readonly string[]).includes(method)) {
    if (!allowDevMethods) throw new ForbiddenRpcMethodError({ method, reason: 'dev-disabled' })
    return 'dev-write'
  }
  if (forbiddenEth.has(method)) throw new ForbiddenRpcMethodError({ method, reason: 'state-breaking' })
  if (extraReads.has(method) || /^(eth|net|web3)_[A-Za-z]+$/.test(method)) return 'read'
  if (/^(hardhat|evm|anvil|personal|miner|admin|debug)_/.test(method)) {
    throw new ForbiddenRpcMethodError({ method, reason: 'state-breaking' })
  }
  throw new ForbiddenRpcMethodError({ method, reason: 'unknown' })
}
