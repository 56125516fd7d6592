/**
 * A trade's history as a list of human-readable steps, from its Marketplace events.
 */
import type { Hash, PublicClient } from 'viem'
import { depositSources, resolutions, tradeStates, verdicts } from './trade.ts'

export interface TimelineEntry {
  blockNumber: bigint
  timestamp: number
  transactionHash: Hash
  event: string
  /** One line saying what happened. */
  summary: string
  args: Record<string, unknown>
}

interface DecodedLog {
  eventName: string
  args: Record<string, any>
  blockNumber: bigint
  transactionHash: Hash
}

/** An integer argument as decoded (bigint, number) or as stored in JSON (decimal string). */
type IntArg = bigint | number | string
const fmt = (wei: IntArg) => formatCredits(BigInt(wei))
const idx = (v: IntArg) => Number(v)

/** Formats base units of the 18-decimal credit as a short decimal string. */
export function formatCredits(wei: bigint): string {
  const neg = wei < 0n
  const abs = neg ? -wei : wei
  const whole = abs / 10n ** 18n
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '').slice(0, 6)
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`
}

/**
 * One line saying what a trade event did. Takes the arguments as viem decodes them or as the
 * database stores them (integers as decimal strings), so both read paths say the same.
 *
 * @example
 * summarizeTradeEvent('DisputeOpened', { tradeId: '5', verdict: 2, deadline: 1700000000 }) // 'dispute opened: NotAsDescribed'
 */
export function summarizeTradeEvent(event: string, a: Record<string, any>): string {
  switch (event) {
    case 'TradeOpened':
      return `ordered by ${a.buyer} at ${fmt(a.price)} (round ${a.round}, max ${fmt(a.maxPrice)}); state ${tradeStates[idx(a.state)]}`
    case 'TradeUpdated':
      return `-> ${tradeStates[idx(a.state)]} (seller deposit: ${depositSources[idx(a.sellerDepositSource)]}; deadline ${new Date(Number(a.deadline) * 1000).toISOString()})`
    case 'DisputeOpened':
      return `dispute opened: ${verdicts[idx(a.verdict)]}`
    case 'DisputeDecided':
      return `arbitrator ${a.arbitrator} decided: ${a.buyerRight ? 'buyer right' : 'buyer wrong'}`
    case 'DepositForfeited':
      return `deposit of ${a.from} forfeited: ${fmt(a.amount)} (counterparty ${fmt(a.toCounterparty)}, arbitrator ${fmt(a.toArbitrator)}, storage ${fmt(a.toStorageProvider)}, platform ${fmt(a.toPlatform)})`
    case 'TradeClosed':
      return `${tradeStates[idx(a.state)]} (${resolutions[idx(a.resolution)]}): seller ${fmt(a.sellerPayout)}, fee ${fmt(a.platformFee)}, buyer refund ${fmt(a.buyerRefund)}`
    default:
      return event
  }
}

/** Timeline of a trade's decoded logs, with block timestamps. */
export async function tradeTimeline(publicClient: PublicClient, logs: DecodedLog[]): Promise<TimelineEntry[]> {
  const blocks = new Map<bigint, number>()
  for (const n of new Set(logs.map((l) => l.blockNumber))) {
    const block = await publicClient.getBlock({ blockNumber: n })
    blocks.set(n, Number(block.timestamp))
  }
  return logs.map((l) => ({
    blockNumber: l.blockNumber,
    timestamp: blocks.get(l.blockNumber) ?? 0,
    transactionHash: l.transactionHash,
    event: l.eventName,
    summary: summarizeTradeEvent(l.eventName, l.args),
    args: l.args,
  }))
}
