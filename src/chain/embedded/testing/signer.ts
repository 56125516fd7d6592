/**
 * Deterministic keys and free-gas transaction signing for the embedded chain's tests and bench.
 */
import { encodeDeployData, encodeFunctionData, getContractAddress, keccak256, toHex, type Address, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { tokenAbi, tokenBytecode } from './Token.ts'

/**
 * The `index`-th deterministic test key (keccak of a label): never for real funds.
 *
 * @example
 * const alice = testAccount(0)
 */
export function testAccount(index: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(toHex(`databourse embedded chain test key ${index}`)))
}

/** Free gas: EIP-1559 fields both zero. */
export const freeGas = { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n } as const

/**
 * Signs the deployment of Token with `supply` for `account` at `nonce`; returns the raw
 * transaction and the contract address it will create.
 *
 * @example
 * const { raw, address } = await signTokenDeploy(testAccount(0), 0, 31337, 10n ** 24n)
 */
export async function signTokenDeploy(
  account: PrivateKeyAccount,
  nonce: number,
  chainId: number,
  supply: bigint,
): Promise<{ raw: Hex; address: Address }> {
  const data = encodeDeployData({ abi: tokenAbi, bytecode: tokenBytecode(), args: [supply] })
  const raw = await account.signTransaction({ chainId, nonce, data, gas: 1_000_000n, ...freeGas })
  return { raw, address: getContractAddress({ from: account.address, nonce: BigInt(nonce) }) }
}

/**
 * Signs `token.transfer(to, value)` from `account` at `nonce`.
 *
 * @example
 * const raw = await signTransfer(testAccount(0), 1, 31337, token, recipient, 5n)
 */
export function signTransfer(
  account: PrivateKeyAccount,
  nonce: number,
  chainId: number,
  token: Address,
  to: Address,
  value: bigint,
): Promise<Hex> {
  const data = encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [to, value] })
  return account.signTransaction({ chainId, nonce, to: token, data, gas: 100_000n, ...freeGas })
}
