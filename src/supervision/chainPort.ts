/**
 * What the supervision service needs from the `Supervision` contract — an interface, so the
 * service is written against the protocol rather than a transport (src/supervision/sdkChain.ts
 * implements it with the SDK).
 */
import type { Address, Hex } from 'viem'

export interface ChannelOpening {
  channelId: bigint
  /** 1 DePlSu, 2 DePlPrSu, 3 DePlSePrSu. */
  kind: number
  /** Member organisations in role order: demander, platform, [server], [provider]. */
  members: Address[]
}

export interface OpenedChannel {
  channelId: bigint
  supervisors: Address[]
}

export interface CommittedBatch {
  batch: number
  txHash: Hex
  blockNumber: number
}

export interface SupervisionChain {
  /** Opens channels in one transaction; returns the supervisors the contract added to each. */
  openChannels(openings: readonly ChannelOpening[]): Promise<OpenedChannel[]>
  commitHeads(root: Hex, heads: number, records: number): Promise<CommittedBatch>
  /** 0x0…0 when the channel was never opened. */
  channelState(channelId: bigint): Promise<Hex>
  /** The root of a committed batch; `undefined` when there is no such batch (yet). */
  batchRoot(batch: number): Promise<Hex | undefined>
  batchCount(): Promise<number>
  /** An organisation's published encryption public key (33 bytes), if any. */
  encryptionKeyOf(org: Address): Promise<Hex | undefined>
}
