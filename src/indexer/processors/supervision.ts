/**
 * Supervision events -> `supervision_keys` (each organisation's newest encryption key),
 * `supervision_channels` (a channel's kind, members and supervisors) and
 * `supervision_channel_events` (every Supervision event, in chain order).
 *
 * A channel's `supervisors` is the set of supervisor organisations that can read it: the
 * overseers the contract added at opening, then each joining organisation not already in it.
 * The contract's hash chain records every join, duplicates included; recompute it from
 * `supervision_channel_events` (src/sdk/supervision.ts `channelOpenedState`,
 * `channelJoinedState`).
 */
import { argsJson, lowerHex } from '../../db/codec.ts'
import type { ChangeWriter } from '../ChangeWriter.ts'
import type { EventName, IndexedLog } from '../contracts.ts'
import { logColumns } from './logColumns.ts'
import type { Processor } from './types.ts'

/** A channel id (uint256) as stored: 0x hex without leading zeros, like `supervision_channels.channel_id`. */
export const channelIdText = (id: bigint): string => `0x${id.toString(16)}`

function channelEvent(store: ChangeWriter, log: IndexedLog<'Supervision', EventName<'Supervision'>>, e: { channelId: bigint | null; org: string | null }): void {
  store.append('supervision_channel_events', {
    ...logColumns(log),
    event: log.eventName,
    channel_id: e.channelId === null ? null : channelIdText(e.channelId),
    org: e.org === null ? null : lowerHex(e.org),
    args: argsJson(log.args),
  })
}

/** An organisation published (or replaced) its encryption key. */
export const encryptionKeyPublished: Processor<'Supervision', 'EncryptionKeyPublished'> = async ({ store }, log) => {
  const { org, publicKey } = log.args
  const row = { org: lowerHex(org), public_key: lowerHex(publicKey), block_number: log.blockNumber, block_time: log.blockTime }
  await store.upsert('supervision_keys', row, () => row)
  channelEvent(store, log, { channelId: null, org })
}

/** A supervisor organisation started or stopped overseeing every new channel. */
export const oversightChanged: Processor<'Supervision', 'OversightChanged'> = async ({ store }, log) => {
  channelEvent(store, log, { channelId: null, org: log.args.supervisor })
}

/** The platform opened a channel; the contract added the overseers as supervisors. */
export const channelOpened: Processor<'Supervision', 'ChannelOpened'> = async ({ store }, log) => {
  const { channelId, kind, members, supervisors } = log.args
  await store.insert('supervision_channels', {
    channel_id: channelIdText(channelId),
    kind,
    members: JSON.stringify(members.map(lowerHex)),
    supervisors: JSON.stringify(supervisors.map(lowerHex)),
    opened_block: log.blockNumber,
    opened_tx: lowerHex(log.txHash),
    opened_at: log.blockTime,
  })
  channelEvent(store, log, { channelId, org: null })
}

/** A supervisor organisation joined a channel. */
export const supervisorJoined: Processor<'Supervision', 'SupervisorJoined'> = async ({ store }, log) => {
  const { channelId, supervisor } = log.args
  const key = { channel_id: channelIdText(channelId) }
  const channel = await store.require('supervision_channels', key, 'SupervisorJoined')
  const supervisors = JSON.parse(channel.supervisors) as string[]
  const org = lowerHex(supervisor)
  if (!supervisors.includes(org)) await store.update('supervision_channels', key, { supervisors: JSON.stringify([...supervisors, org]) })
  channelEvent(store, log, { channelId, org })
}

/** The platform anchored a batch root (the node's supervision service keeps the batch itself). */
export const headsCommitted: Processor<'Supervision', 'HeadsCommitted'> = async ({ store }, log) => {
  channelEvent(store, log, { channelId: null, org: log.args.platform })
}
