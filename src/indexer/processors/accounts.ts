/**
 * Internal Marketplace balances, recomputed from events exactly as the contract moves them
 * (Marketplace.sol: `_escrow`, `_takeAvailable`, `_settle`, `_fail`, `_distributeForfeit`).
 *
 * A shortfall pulled from the token allowance is emitted as `Deposited(from, from, shortfall)`
 * after the escrow that needed it; applying the escrow first leaves `available` briefly
 * negative inside the transaction and the Deposited brings it back — the same end state as
 * the contract's "take what is available, pull the rest".
 */
import { decodeAmount, encodeAmount, lowerHex } from '../../db/codec.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import type { Processor } from './types.ts'

/** Signed changes to one account. */
export interface AccountDelta {
  available?: bigint
  locked?: bigint
  orders?: number
}

/**
 * Applies `delta` to the account of `address`, creating it at zero.
 *
 * @example
 * await adjustAccount(store, buyer, { available: -cost, locked: cost, orders: 1 })
 */
export async function adjustAccount(store: ChangeWriter, address: string, delta: AccountDelta): Promise<void> {
  const key = lowerHex(address)
  await store.upsert(
    'accounts',
    {
      address: key,
      available: encodeAmount(delta.available ?? 0n),
      locked: encodeAmount(delta.locked ?? 0n),
      orders: delta.orders ?? 0,
      updated_block: store.blockNumber,
    },
    (row) => ({
      available: encodeAmount(decodeAmount(row.available) + (delta.available ?? 0n)),
      locked: encodeAmount(decodeAmount(row.locked) + (delta.locked ?? 0n)),
      orders: row.orders + (delta.orders ?? 0),
      updated_block: store.blockNumber,
    }),
  )
}

/** `deposit()` credits `account`; `_pull` emits it for a shortfall (see the file comment). */
export const deposited: Processor<'Marketplace', 'Deposited'> = async ({ store }, { args }) => {
  await adjustAccount(store, args.account, { available: args.amount })
}

/** `withdraw()` pays out of the caller's available balance. */
export const withdrawn: Processor<'Marketplace', 'Withdrawn'> = async ({ store }, { args }) => {
  await adjustAccount(store, args.account, { available: -args.amount })
}
