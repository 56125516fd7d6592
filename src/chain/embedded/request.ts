/**
 * The minimal EIP-1193 request surface shared by the engine and the journaling provider.
 */

/** EIP-1193 request arguments. */
export type RequestArguments = { readonly method: string; readonly params?: readonly unknown[] | object | undefined }

/** EIP-1193 `request`. */
export type RequestFn = (args: RequestArguments) => Promise<unknown>

/** A JSON-RPC block as returned by `eth_getBlockByNumber(n, false)` (the fields used here). */
export type RpcBlockSummary = { number: string; hash: `0x${string}`; timestamp: string; transactions: `0x${string}`[] }

/**
 * Fetches block `n` (without full transactions).
 *
 * @example
 * const block = await getBlockSummary(request, 0n)
 * const head = await getBlockSummary(request, 'latest')
 */
export async function getBlockSummary(request: RequestFn, n: bigint | 'latest'): Promise<RpcBlockSummary> {
  const tag = n === 'latest' ? n : `0x${n.toString(16)}`
  const block = (await request({ method: 'eth_getBlockByNumber', params: [tag, false] })) as RpcBlockSummary | null
  if (!block) throw new Error(`block ${n} does not exist`)
  return block
}

/**
 * The engine's head block number.
 *
 * @example
 * const head = await getBlockNumber(request)
 */
export async function getBlockNumber(request: RequestFn): Promise<bigint> {
  return BigInt((await request({ method: 'eth_blockNumber' })) as string)
}
