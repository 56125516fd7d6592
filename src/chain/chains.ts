/**
 * viem chain definitions for databourse networks.
 *
 * The alliance runs a permissioned chain with free gas (base fee 0, like Hyperledger Besu
 * QBFT with `min-gas-price=0`): members' function keys need no native coin, and the only
 * money is the AllianceCredit token. A chain that charges gas is configured with
 * `freeGas: false` and viem estimates fees as usual.
 */
import { defineChain, type Chain } from 'viem'

export interface AllianceChainParameters {
  id: number
  rpcUrl: string
  name?: string
  freeGas?: boolean
}

/**
 * @example
 * const chain = allianceChain({ id: 31337, rpcUrl: 'http://127.0.0.1:8545' })
 */
export function allianceChain(p: AllianceChainParameters): Chain {
  const freeGas = p.freeGas ?? true
  return defineChain({
    id: p.id,
    name: p.name ?? 'databourse alliance chain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [p.rpcUrl] } },
    ...(freeGas
      ? { fees: { estimateFeesPerGas: async () => ({ maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }) } }
      : {}),
  })
}
