/**
 * Sending a transaction and getting its receipt, fast on an automining embedded chain
 * (the receipt exists as soon as the send returns) and correct on any other chain (poll).
 */
import type { Hash, PublicClient, TransactionReceipt } from 'viem'
import { TransactionRevertedError } from '../errors/contract.ts'

/** Sends with `send`, waits for the receipt, and throws if the transaction reverted. */
export async function sendAndConfirm(publicClient: PublicClient, send: () => Promise<Hash>): Promise<TransactionReceipt> {
  const hash = await send()
  const receipt = await receiptOf(publicClient, hash)
  if (receipt.status !== 'success') throw new TransactionRevertedError({ hash, gasUsed: receipt.gasUsed })
  return receipt
}

/** The receipt of `hash`: one direct lookup first, then polling until it is mined. */
export async function receiptOf(publicClient: PublicClient, hash: Hash): Promise<TransactionReceipt> {
  try {
    return await publicClient.getTransactionReceipt({ hash })
  } catch {
    return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
  }
}
