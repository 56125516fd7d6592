/**
 * Every databourse contract event, decoded and typed: a range query for indexers and
 * audits, and a watcher for live updates.
 *
 * @example
 * for (const e of await contractEvents(client, { fromBlock: 0n })) console.log(e.contract, e.eventName, e.args)
 */
import { parseEventLogs, type Log, type ParseEventLogsReturnType, type WatchContractEventReturnType } from 'viem'
import { AllianceAbi, AllianceCreditAbi, MarketplaceAbi, SupervisionAbi } from '../contracts/generated.ts'
import type { BourseClient } from './BourseClient.ts'

const abis = { marketplace: MarketplaceAbi, alliance: AllianceAbi, credit: AllianceCreditAbi, supervision: SupervisionAbi } as const
export type ContractName = keyof typeof abis

type Decoded<K extends ContractName> = ParseEventLogsReturnType<(typeof abis)[K]>[number] & { contract: K }
/** A decoded event of any databourse contract. */
export type BourseEvent = Decoded<'marketplace'> | Decoded<'alliance'> | Decoded<'credit'> | Decoded<'supervision'>

function addressMap(client: BourseClient): Map<string, ContractName> {
  const d = client.deployment
  return new Map<string, ContractName>([
    [d.marketplace.toLowerCase(), 'marketplace'],
    [d.alliance.toLowerCase(), 'alliance'],
    [d.credit.toLowerCase(), 'credit'],
    [d.supervision.toLowerCase(), 'supervision'],
  ])
}

/** Decodes raw logs of the deployment's contracts (others are skipped). */
export function decodeBourseLogs(client: BourseClient, logs: Log[]): BourseEvent[] {
  const byAddress = addressMap(client)
  const out: BourseEvent[] = []
  for (const log of logs) {
    const contract = byAddress.get(log.address.toLowerCase())
    if (!contract) continue
    const [decoded] = parseEventLogs({ abi: abis[contract] as never, logs: [log], strict: true })
    if (decoded) out.push({ ...(decoded as object), contract } as BourseEvent)
  }
  return out
}

/** All events of the deployment in a block range, in chain order. */
export async function contractEvents(
  client: BourseClient,
  range: { fromBlock?: bigint; toBlock?: bigint } = {},
): Promise<BourseEvent[]> {
  const d = client.deployment
  const logs = await client.publicClient.getLogs({
    address: [d.marketplace, d.alliance, d.credit, d.supervision],
    fromBlock: range.fromBlock ?? client.fromBlock,
    toBlock: range.toBlock ?? 'latest',
  })
  return decodeBourseLogs(client, logs)
}

/** Calls `onEvents` with each new batch of events until the returned function is called. */
export function watchContractEvents(client: BourseClient, onEvents: (events: BourseEvent[]) => void, pollingInterval = 500): WatchContractEventReturnType {
  const d = client.deployment
  return client.publicClient.watchEvent({
    address: [d.marketplace, d.alliance, d.credit, d.supervision],
    pollingInterval,
    onLogs: (logs) => {
      const events = decodeBourseLogs(client, logs as Log[])
      if (events.length) onEvents(events)
    },
  })
}
