/**
 * Helpers of the Supervision tests: decoded events, extra supervisor organisations, channel
 * members and fresh channel ids.
 */
import { decodeEventLog, type Address, type TransactionReceipt } from 'viem'
import { SupervisionAbi } from '../../src/contracts/generated.ts'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import type { ChannelKindName } from '../../src/sdk/supervision.ts'
import { newAccount, type TestWorld as World } from './helpers.ts'

/** The Supervision events of one receipt, decoded. */
export function supervisionEvents(w: World, receipt: TransactionReceipt) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === w.deployment.supervision.toLowerCase())
    .map((l) => decodeEventLog({ abi: SupervisionAbi, data: l.data, topics: l.topics, strict: true }))
}

/** A new supervisor organisation appointed by governance, with its supervisor key bound. */
export async function addSupervisorOrg(w: World, name: string): Promise<{ org: Address; admin: Actor; key: Actor }> {
  const admin = w.client.as(newAccount())
  const key = w.client.as(newAccount())
  await w.governance.addSupervisor(admin.address, name)
  await admin.bindKey('Supervisor', key.address)
  return { org: admin.address, admin, key }
}

/** Admitted organisations of the world in the role order of each kind. */
export function membersOf(w: World, kind: ChannelKindName): Address[] {
  const { buyer, platform, seller, arbitrator } = w.orgs
  if (kind === 'DePlSu') return [buyer.address, platform.address]
  if (kind === 'DePlPrSu') return [buyer.address, platform.address, seller.address]
  return [buyer.address, platform.address, arbitrator.address, seller.address]
}

let nextChannel = 1n
/** A fresh channel id shaped like a trade id: (buyer << 96) | n. */
export const channelId = (w: World): bigint => (BigInt(w.buyer.address) << 96n) | nextChannel++
