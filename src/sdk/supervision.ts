/**
 * The Supervision contract (SPEC.md section 4, src/supervision/README.md) through the SDK:
 * encryption keys, oversight, channels and their hash chain, anchored batch roots. The
 * {@link BourseClient} and {@link Actor} methods of the same names call these; refusals are
 * {@link ContractRevertError}s naming the contract's error (e.g. `SupervisionMemberNotAdmitted`).
 *
 * @example
 * await client.as(platformKey).openChannels([{ channelId: trade.id, kind: 'DePlPrSu', members: [buyerOrg, platformOrg, sellerOrg] }])
 * const state = await client.channelState(trade.id) // === channelOpenedState('DePlPrSu', members, supervisors)
 */
import { decodeEventLog, encodeAbiParameters, keccak256, toEventSelector, type Account, type Address, type Hex, type Log, type TransactionReceipt } from 'viem'
import { SupervisionAbi } from '../contracts/generated.ts'
import type { BourseClient, WriteResult } from './BourseClient.ts'

/** `ISupervision.ChannelKind` names in enum order (index 0 is `None`, never a valid kind). */
export const channelKinds = ['None', 'DePlSu', 'DePlPrSu', 'DePlSePrSu'] as const
/** A channel type of seed 002: demander-platform(-server)(-provider)-supervisors. */
export type ChannelKindName = Exclude<(typeof channelKinds)[number], 'None'>

/** Members per kind, supervisors excluded, in this role order. */
export const channelRoles: Readonly<Record<ChannelKindName, readonly ('demander' | 'platform' | 'server' | 'provider')[]>> = {
  DePlSu: ['demander', 'platform'],
  DePlPrSu: ['demander', 'platform', 'provider'],
  DePlSePrSu: ['demander', 'platform', 'server', 'provider'],
}

/** One channel to open: `members` are organisations (admin addresses) in {@link channelRoles} order. */
export interface ChannelOpeningInput {
  channelId: bigint
  kind: ChannelKindName
  members: readonly Address[]
}

/** A channel as {ChannelOpened} reports it, with the hash the contract stored. */
export interface OpenedChannel {
  channelId: bigint
  kind: ChannelKindName
  members: Address[]
  supervisors: Address[]
  state: Hex
}

/** The index of a kind in `ISupervision.ChannelKind`. */
export function channelKindIndex(kind: ChannelKindName): number {
  const index = channelKinds.indexOf(kind)
  if (index <= 0) throw new Error(`unknown channel kind "${kind}"`)
  return index
}

/**
 * The state the contract stores when a channel opens: `keccak256(abi.encode(kind, members, supervisors))`.
 *
 * @example
 * channelOpenedState('DePlSu', [buyerOrg, platformOrg], [regulatorOrg])
 */
export function channelOpenedState(kind: ChannelKindName | number, members: readonly Address[], supervisors: readonly Address[]): Hex {
  const k = typeof kind === 'number' ? kind : channelKindIndex(kind)
  return keccak256(encodeAbiParameters([{ type: 'uint8' }, { type: 'address[]' }, { type: 'address[]' }], [k, members, supervisors]))
}

/**
 * The state after supervisor organisation `supervisor` joins: `keccak256(abi.encode(state, supervisor))`.
 *
 * @example
 * channelJoinedState(channelOpenedState(kind, members, []), auditorOrg)
 */
export function channelJoinedState(state: Hex, supervisor: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }], [state, supervisor]))
}

/**
 * The contract's events by selector, hashed once: given the whole ABI, viem's decodeEventLog
 * hashes every event signature in it (noble's keccak) for every log, and an opening of 100
 * channels has 100 logs. Given the one event, it hashes one.
 */
const eventsBySelector = new Map(SupervisionAbi.filter((item) => item.type === 'event').map((event) => [toEventSelector(event), [event]]))

/** Supervision events decoded from one receipt. */
function supervisionEvents(receipt: TransactionReceipt, supervision: Address) {
  return receipt.logs
    .filter((l: Log) => l.address.toLowerCase() === supervision.toLowerCase())
    .map((l) => {
      // An unknown selector gets the whole ABI, so that decodeEventLog names the error as before.
      const abi = (eventsBySelector.get(l.topics[0] ?? '0x') ?? SupervisionAbi) as typeof SupervisionAbi
      return decodeEventLog({ abi, data: l.data, topics: l.topics, strict: true })
    })
}

// ───────────── reads ─────────────

/** The channel's hash chain; `0x00…00` when never opened. */
export function channelState(client: BourseClient, channelId: bigint): Promise<Hex> {
  return client.read(client.deployment.supervision, SupervisionAbi, 'channelState', [channelId])
}

/** Root and commit time (unix seconds) of a batch; zeros when not committed. */
export async function batchRoot(client: BourseClient, batch: bigint): Promise<{ root: Hex; committedAt: number }> {
  const [root, committedAt] = (await client.read(client.deployment.supervision, SupervisionAbi, 'batchRoot', [batch])) as [Hex, bigint]
  return { root, committedAt: Number(committedAt) }
}

/** Number of committed batches. */
export function batchCount(client: BourseClient): Promise<bigint> {
  return client.read(client.deployment.supervision, SupervisionAbi, 'batchCount', [])
}

/** The 33-byte compressed key `org` published last, or undefined. */
export async function encryptionKeyOf(client: BourseClient, org: Address): Promise<Hex | undefined> {
  const key = (await client.read(client.deployment.supervision, SupervisionAbi, 'encryptionKeyOf', [org])) as Hex
  return key === '0x' ? undefined : key
}

/** Supervisor organisations added to every channel opened from now on. */
export function overseers(client: BourseClient): Promise<readonly Address[]> {
  return client.read(client.deployment.supervision, SupervisionAbi, 'overseers', [])
}

// ───────────── writes ─────────────

/** An organisation's admin key publishes its 33-byte compressed encryption public key. */
export function publishEncryptionKey(client: BourseClient, admin: Account, publicKey: Hex): Promise<WriteResult> {
  return client.write(admin, client.deployment.supervision, SupervisionAbi, 'publishEncryptionKey', [publicKey])
}

/**
 * Publishes `publicKey` unless `admin`'s organisation already published exactly it.
 * Returns the write, or undefined when nothing was sent.
 *
 * @example
 * await publishEncryptionKeyIfChanged(client, org.admin, org.encryptionKey.publicKey)
 */
export async function publishEncryptionKeyIfChanged(client: BourseClient, admin: Account, publicKey: Hex): Promise<WriteResult | undefined> {
  const current = await encryptionKeyOf(client, admin.address)
  if (current?.toLowerCase() === publicKey.toLowerCase()) return undefined
  return publishEncryptionKey(client, admin, publicKey)
}

/** A supervisor key's organisation starts (true) or stops (false) overseeing every new channel. */
export function oversee(client: BourseClient, supervisorKey: Account, all: boolean): Promise<WriteResult> {
  return client.write(supervisorKey, client.deployment.supervision, SupervisionAbi, 'oversee', [all])
}

/** Anyone removes an overseer that is no longer an admitted supervisor organisation. */
export function dropOverseer(client: BourseClient, account: Account, org: Address): Promise<WriteResult> {
  return client.write(account, client.deployment.supervision, SupervisionAbi, 'dropOverseer', [org])
}

/** The platform key opens channels; returns each as the contract recorded it, in order. */
export async function openChannels(client: BourseClient, platformKey: Account, openings: readonly ChannelOpeningInput[]): Promise<WriteResult & { channels: OpenedChannel[] }> {
  const args = openings.map((o) => ({ channelId: o.channelId, kind: channelKindIndex(o.kind), members: o.members }))
  const result = await client.write(platformKey, client.deployment.supervision, SupervisionAbi, 'openChannels', [args])
  const channels: OpenedChannel[] = []
  for (const e of supervisionEvents(result.receipt, client.deployment.supervision)) {
    if (e.eventName !== 'ChannelOpened') continue
    const kind = channelKinds[e.args.kind] as ChannelKindName
    const members = [...e.args.members]
    const supervisors = [...e.args.supervisors]
    // The state hash on first read: viem's keccak costs ~56 µs per channel, and the node's
    // anchorer opens channels by the hundred without reading it.
    const kindIndex = e.args.kind
    let state: Hex | undefined
    channels.push({
      channelId: e.args.channelId,
      kind,
      members,
      supervisors,
      get state() {
        return (state ??= channelOpenedState(kindIndex, members, supervisors))
      },
    })
  }
  return { ...result, channels }
}

/** A supervisor key's organisation joins an opened channel. */
export function join(client: BourseClient, supervisorKey: Account, channelId: bigint): Promise<WriteResult> {
  return client.write(supervisorKey, client.deployment.supervision, SupervisionAbi, 'join', [channelId])
}

/** The platform key commits a batch root; returns the batch number the contract gave it. */
export async function commitHeads(
  client: BourseClient,
  platformKey: Account,
  p: { root: Hex; heads: number; records: number | bigint },
): Promise<WriteResult & { batch: bigint }> {
  const result = await client.write(platformKey, client.deployment.supervision, SupervisionAbi, 'commitHeads', [p.root, p.heads, BigInt(p.records)])
  const committed = supervisionEvents(result.receipt, client.deployment.supervision).find((e) => e.eventName === 'HeadsCommitted')
  if (!committed || committed.eventName !== 'HeadsCommitted') throw new Error('commitHeads: no HeadsCommitted event in the receipt')
  return { ...result, batch: committed.args.batch }
}
