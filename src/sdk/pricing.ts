/**
 * Reading and driving the dynamic price (SPEC.md section 3) through the deployment's
 * pricing contract: round state per category, quotes, and the platform's round advance.
 */
import type { Account } from 'viem'
import { DynamicPricingAbi } from '../contracts/generated.ts'
import type { BourseClient, WriteResult } from './BourseClient.ts'

export interface RoundState {
  category: number
  round: number
  /** Unit price of the current round, credit base units. */
  price: bigint
  startedAt: number
  endsAt: number
  /** Standing supply and this round's demand so far. */
  supply: bigint
  demand: bigint
  /** True when the round has ended and the next action (or the platform) opens the next. */
  due: boolean
}

/** The configured categories' round states (dynamic pricing deployments only). */
export async function roundStates(client: BourseClient): Promise<RoundState[]> {
  const categories = client.deployment.categories ?? []
  if (client.deployment.pricingKind !== 'dynamic') return []
  const now = Number((await client.publicClient.getBlock()).timestamp)
  return Promise.all(
    categories.map(async ({ id }) => {
      const s = (await client.read(client.deployment.pricing, DynamicPricingAbi, 'roundState', [id])) as {
        round: number; price: bigint; startedAt: bigint; endsAt: bigint; supply: bigint; demand: bigint
      }
      return { category: id, round: s.round, price: s.price, startedAt: Number(s.startedAt), endsAt: Number(s.endsAt), supply: s.supply, demand: s.demand, due: now >= Number(s.endsAt) }
    }),
  )
}

/** The price and round a trade in `category` would get now (any IPricing: same `quote` selector). */
export async function quote(client: BourseClient, category: number): Promise<{ price: bigint; round: number }> {
  const [price, round] = (await client.read(client.deployment.pricing, DynamicPricingAbi, 'quote', [category])) as [bigint, number]
  return { price, round }
}

/** The platform closes an ended round and opens the next (anyone else is refused). */
export function advanceRound(client: BourseClient, platformKey: Account, category: number): Promise<WriteResult> {
  return client.write(platformKey, client.deployment.pricing, DynamicPricingAbi, 'advanceRound', [category])
}
