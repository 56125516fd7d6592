/**
 * Gas of the Supervision contract's operations, from receipts, on a test world (one
 * overseer: the world's supervisor, as the node's operator oversees every channel).
 *
 * `measureSupervisionGas()` is what `bench:gas` includes; run standalone with
 *   node --import tsx bench/supervision-gas.ts [--json]
 *
 * Channels are opened with three members (DePlPrSu, a dataset trade) unless said otherwise;
 * the per-channel figure of a batch is the receipt's gas divided by the batch size, so the
 * 21,000 base and the platform and overseer checks are shared by the batch (each channel of
 * the batch has another buyer organisation, so its admission check reads a cold slot).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { keccak256, toHex, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { generateEncryptionKeyPair } from '../src/identity/encryptionKey.ts'
import type { ChannelKindName, ChannelOpeningInput } from '../src/sdk/supervision.ts'
import { createWorld, type World } from '../src/testing/world.ts'

/** The measured operations. */
export type SupervisionGasOperation =
  | 'publishEncryptionKey.first'
  | 'publishEncryptionKey.rotate'
  | 'oversee'
  | 'openChannels.batch1'
  | 'openChannels.batch1.DePlSePrSu'
  | 'openChannels.batch100.perChannel'
  | 'join'
  | 'commitHeads.first'
  | 'commitHeads'

export interface SupervisionGasFigure {
  operation: SupervisionGasOperation
  description: string
  gasUsed: number
}

export type MeasureSupervisionGasReturnType = SupervisionGasFigure[]

/**
 * Measures each operation once on a fresh world.
 * @example const figures = await measureSupervisionGas(); figures.find((f) => f.operation === 'join')!.gasUsed
 */
export async function measureSupervisionGas(): Promise<MeasureSupervisionGasReturnType> {
  const w = await createWorld({ pricing: 'fixed' })
  const figures: SupervisionGasFigure[] = []
  const record = (operation: SupervisionGasOperation, description: string, gas: bigint | number) => {
    figures.push({ operation, description, gasUsed: Math.round(Number(gas)) })
  }
  let n = 1n
  const opening = (kind: ChannelKindName = 'DePlPrSu'): ChannelOpeningInput => ({ channelId: (BigInt(w.buyer.address) << 96n) | n++, kind, members: members(w, kind) })

  const rotating = w.client.as(w.orgs.buyer2) // published its key when it joined
  const fresh = w.client.as(privateKeyToAccount(keccak256(toHex('supervision gas applicant'))))
  await fresh.applyForMembership('Fresh Co', ['Buyer'])
  record('publishEncryptionKey.first', 'an organisation publishes its encryption key (new slots)', (await fresh.publishEncryptionKey(generateEncryptionKeyPair().publicKey)).gasUsed)
  record('publishEncryptionKey.rotate', 'it publishes a new one (key rotation)', (await rotating.publishEncryptionKey(generateEncryptionKeyPair().publicKey)).gasUsed)

  // A second supervisor organisation: oversee, then stop again so channels keep one overseer.
  const auditorOrg = w.client.as(privateKeyToAccount(keccak256(toHex('supervision gas auditor'))))
  const auditor = w.client.as(privateKeyToAccount(keccak256(toHex('supervision gas auditor key'))))
  await w.governance.addSupervisor(auditorOrg.address, 'Audit Office')
  await auditorOrg.bindKey('Supervisor', auditor.address)
  record('oversee', 'a supervisor oversees every new channel', (await auditor.oversee(true)).gasUsed)
  await auditor.oversee(false)

  record('openChannels.batch1', 'open one channel (3 members, 1 overseer) in its own transaction', (await w.platform.openChannels([opening()])).gasUsed)
  record('openChannels.batch1.DePlSePrSu', 'the same with 4 members', (await w.platform.openChannels([opening('DePlSePrSu')])).gasUsed)
  // 100 trades of 100 different buyer organisations (cold member reads), one seller.
  const buyers: Address[] = []
  for (let i = 0; i < 100; i++) {
    const org = w.client.as(privateKeyToAccount(keccak256(toHex(`supervision gas buyer ${i}`))))
    await org.applyForMembership(`Buyer ${i}`, ['Buyer'])
    await w.supervisor.admit(org.address)
    buyers.push(org.address)
  }
  const batch = buyers.map((buyer) => ({ ...opening(), members: [buyer, w.orgs.platform.address, w.orgs.seller.address] }))
  record('openChannels.batch100.perChannel', 'per channel, 100 channels (100 buyers, one seller) in one transaction', Number((await w.platform.openChannels(batch)).gasUsed) / batch.length)
  record('join', 'a supervisor joins an open channel', (await auditor.join(batch[0]!.channelId)).gasUsed)

  record('commitHeads.first', 'the first batch root (batch counter zero -> one)', (await w.platform.commitHeads({ root: keccak256(toHex('batch 0')), heads: 10, records: 30 })).gasUsed)
  record('commitHeads', 'a batch root, steady state', (await w.platform.commitHeads({ root: keccak256(toHex('batch 1')), heads: 10, records: 30 })).gasUsed)
  return figures
}

function members(w: World, kind: ChannelKindName): Address[] {
  const { buyer, platform, seller, arbitrator } = w.orgs
  if (kind === 'DePlSu') return [buyer.address, platform.address]
  if (kind === 'DePlPrSu') return [buyer.address, platform.address, seller.address]
  return [buyer.address, platform.address, arbitrator.address, seller.address]
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const figures = await measureSupervisionGas()
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(figures)}\n`)
  } else {
    const width = Math.max(...figures.map((f) => f.operation.length))
    process.stdout.write(`${'operation'.padEnd(width)}  ${'gas used'.padStart(9)}  description\n`)
    for (const f of figures) process.stdout.write(`${f.operation.padEnd(width)}  ${String(f.gasUsed).padStart(9)}  ${f.description}\n`)
  }
}
