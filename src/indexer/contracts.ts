/**
 * The contracts the indexer follows, their event ABIs, and the typed form of one decoded log.
 */
import { decodeEventLog, type Address, type ContractEventArgsFromTopics, type ContractEventName, type Hex, type Log } from 'viem'
import { AllianceAbi, AllianceCreditAbi, DynamicPricingAbi, FixedPricingAbi, MarketplaceAbi, SupervisionAbi } from '../contracts/generated.ts'

type PricingEvent = Extract<(typeof DynamicPricingAbi)[number] | (typeof FixedPricingAbi)[number], { type: 'event' }>

/**
 * Events of every `IPricing` implementation the deployment may use: DynamicPricing's and
 * FixedPricing's (the names do not collide).
 */
export const PricingEventsAbi = [...DynamicPricingAbi, ...FixedPricingAbi].filter((x) => x.type === 'event') as readonly PricingEvent[]

/** Event ABIs by the role a contract plays in a deployment. */
export const indexedAbis = {
  Alliance: AllianceAbi,
  AllianceCredit: AllianceCreditAbi,
  Marketplace: MarketplaceAbi,
  Pricing: PricingEventsAbi,
  Supervision: SupervisionAbi,
} as const

export type IndexedAbis = typeof indexedAbis
/** 'Alliance' | 'AllianceCredit' | 'Marketplace' | 'Pricing' | 'Supervision' */
export type ContractName = keyof IndexedAbis
/** The event names of one contract, e.g. `EventName<'Marketplace'>` includes 'TradeOpened'. */
export type EventName<C extends ContractName> = ContractEventName<IndexedAbis[C]>
/** The decoded arguments of one event, every field present. */
export type EventArgs<C extends ContractName, E extends EventName<C>> = ContractEventArgsFromTopics<IndexedAbis[C], E>

/** Addresses of the indexed contracts, by role. */
export type ContractAddresses = Record<ContractName, Address>

/** One decoded log with where and when it happened. */
export interface IndexedLog<C extends ContractName = ContractName, E extends EventName<C> = EventName<C>> {
  contract: C
  eventName: E
  args: EventArgs<C, E>
  address: Address
  blockNumber: number
  blockHash: Hex
  /** Unix seconds of the block. */
  blockTime: number
  logIndex: number
  txHash: Hex
}

/** A decoded log of any indexed contract and event (a discriminated union). */
export type AnyIndexedLog = { [C in ContractName]: { [E in EventName<C>]: IndexedLog<C, E> }[EventName<C>] }[ContractName]

/**
 * Decodes a raw log of one of `contracts`; undefined for a log of another address or an event
 * the ABI does not know.
 *
 * @example
 * const decoded = decodeIndexedLog(log, byAddress, 1_700_000_000)
 * if (decoded?.contract === 'Marketplace' && decoded.eventName === 'TradeOpened') decoded.args.price
 */
export function decodeIndexedLog(log: Log<bigint, number, false>, byAddress: ReadonlyMap<string, ContractName>, blockTime: number): AnyIndexedLog | undefined {
  const contract = byAddress.get(log.address.toLowerCase())
  if (!contract) return undefined
  let decoded: { eventName: string; args: unknown }
  try {
    decoded = decodeEventLog({ abi: indexedAbis[contract] as never, data: log.data, topics: log.topics as never, strict: true }) as never
  } catch {
    return undefined
  }
  return {
    contract,
    eventName: decoded.eventName,
    args: decoded.args,
    address: log.address,
    blockNumber: Number(log.blockNumber),
    blockHash: log.blockHash,
    blockTime,
    logIndex: log.logIndex,
    txHash: log.transactionHash,
  } as AnyIndexedLog
}

/** Lower-case address -> contract role. */
export function addressIndex(addresses: ContractAddresses): Map<string, ContractName> {
  return new Map(Object.entries(addresses).map(([name, address]) => [address.toLowerCase(), name as ContractName]))
}
