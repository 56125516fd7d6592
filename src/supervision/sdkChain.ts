/**
 * The supervision service's chain port ({@link SupervisionChain}) over the SDK: reads with the
 * client, writes with the platform organisation's Platform key.
 */
import type { Account, Hex } from 'viem'
import type { BourseClient } from '../sdk/BourseClient.ts'
import { channelKinds, type ChannelKindName } from '../sdk/supervision.ts'
import type { SupervisionChain } from './chainPort.ts'

const ZERO_ROOT = `0x${'0'.repeat(64)}`

export function sdkSupervisionChain(client: BourseClient, platformKey: Account): SupervisionChain {
  const platform = client.as(platformKey)
  return {
    async openChannels(openings) {
      const result = await platform.openChannels(openings.map((o) => ({ channelId: o.channelId, kind: channelKinds[o.kind] as ChannelKindName, members: o.members })))
      return result.channels.map((c) => ({ channelId: c.channelId, supervisors: c.supervisors }))
    },
    async commitHeads(root, heads, records) {
      const result = await platform.commitHeads({ root, heads, records })
      return { batch: Number(result.batch), txHash: result.hash, blockNumber: Number(result.receipt.blockNumber) }
    },
    channelState: (channelId) => client.channelState(channelId),
    async batchRoot(batch) {
      if (BigInt(batch) >= (await client.batchCount())) return undefined
      const { root } = await client.batchRoot(BigInt(batch))
      return root === ZERO_ROOT ? undefined : (root as Hex)
    },
    batchCount: async () => Number(await client.batchCount()),
    encryptionKeyOf: (org) => client.encryptionKeyOf(org),
  }
}
