/** Benchmark set-up shared by the benches: buyer organisations with funded marketplace balances. */
import { parseEther } from 'viem'
import { joinAlliance } from '../../src/sdk/bootstrap.ts'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import { newKeyAccount, type World } from '../../src/testing/world.ts'

/** Admits `n` buyer organisations, each with 1,000,000 credits deposited in the marketplace. */
export async function addBuyers(w: World, n: number): Promise<Actor[]> {
  const buyers: Actor[] = []
  for (let i = 0; i < n; i++) {
    const admin = newKeyAccount()
    const key = newKeyAccount()
    await joinAlliance(w.client, w.supervisor, { name: `Bench Buyer ${i}`, admin, keys: { Buyer: key } })
    const buyer = w.client.as(key)
    await w.governance.mint(key.address, parseEther('1000000'))
    await buyer.approve(parseEther('1000000'))
    await buyer.deposit(parseEther('1000000'))
    buyers.push(buyer)
  }
  return buyers
}
