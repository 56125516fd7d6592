/**
 * AllianceCredit `Transfer` -> `credit_transfers` and `credit_balances` (ERC-20 balances of
 * every holder, the Marketplace included). Mints come from, burns go to, the zero address,
 * which has no balance row.
 */
import { zeroAddress } from 'viem'
import { decodeAmount, encodeAmount, lowerHex } from '../../db/codec.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import { logColumns } from './logColumns.ts'
import type { Processor } from './types.ts'

async function adjustCredit(store: ChangeWriter, address: string, delta: bigint): Promise<void> {
  await store.upsert(
    'credit_balances',
    { address: lowerHex(address), balance: encodeAmount(delta), updated_block: store.blockNumber },
    (row) => ({ balance: encodeAmount(decodeAmount(row.balance) + delta), updated_block: store.blockNumber }),
  )
}

/** Every ERC-20 transfer, mint and burn. */
export const transfer: Processor<'AllianceCredit', 'Transfer'> = async ({ store }, log) => {
  const { from, to, value } = log.args
  store.append('credit_transfers', { ...logColumns(log), from_address: lowerHex(from), to_address: lowerHex(to), value: encodeAmount(value) })
  if (from !== zeroAddress) await adjustCredit(store, from, -value)
  if (to !== zeroAddress) await adjustCredit(store, to, value)
}
