/**
 * Runs a marketplace action that may pull credits from the caller's token allowance, and
 * approves only when the contract says the allowance is what is missing — so a command
 * refused for any other reason changes nothing on chain.
 */
import { ContractRevertError } from '../errors/contract.ts'
import type { Actor } from '../sdk/BourseClient.ts'

export async function withAllowance<T>(actor: Actor, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (!(error instanceof ContractRevertError) || error.errorName !== 'ERC20InsufficientAllowance') throw error
    const needed = error.errorArgs.needed as bigint
    await actor.approve(needed)
    return action()
  }
}
