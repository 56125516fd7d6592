/**
 * Supervision: encryption keys, oversight, channels (one hash per channel, members checked
 * for admission, overseers added by the contract, joins), anchored batch roots — happy paths
 * with their exact events and every refusal by its named error.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { BaseError, bytesToHex, decodeErrorResult, decodeEventLog, encodeDeployData, getAddress, keccak256, toHex, type Address, type Hex, type TransactionReceipt } from 'viem'
import { AllianceAbi, SupervisionAbi, SupervisionBytecode } from '../../src/contracts/generated.ts'
import { generateEncryptionKeyPair } from '../../src/identity/encryptionKey.ts'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import { channelJoinedState, channelOpenedState, type ChannelKindName, type ChannelOpeningInput } from '../../src/sdk/supervision.ts'
import { addOrg, chainTime, expectRevert, newAccount, setupWorld, ZERO_ADDRESS, ZERO_HASH, type TestWorld as World } from './helpers.ts'
import { addSupervisorOrg, channelId, membersOf, supervisionEvents } from './supervisionHelpers.ts'

const Status = { None: 0, Applied: 1, Admitted: 2, Suspended: 3 } as const
const Kind = { None: 0, DePlSu: 1, DePlPrSu: 2, DePlSePrSu: 3 } as const

/** A 33-byte compressed prefix + x whose x^3 + 7 is not a square mod p: no curve point. */
function offCurveKey(): Hex {
  for (let x = 1n; ; x++) {
    const candidate = `0x02${x.toString(16).padStart(64, '0')}` as Hex
    try {
      secp256k1.Point.fromHex(candidate.slice(2))
    } catch {
      return candidate
    }
  }
}

describe('Supervision encryption keys', () => {
  test('an applicant and an admitted organisation publish, read back and rotate their keys', async () => {
    const w = await setupWorld()
    const applicant = w.client.as(newAccount())
    await applicant.applyForMembership('Epsilon Data', ['Seller'])
    assert.equal(await w.client.encryptionKeyOf(applicant.address), undefined)

    const first = generateEncryptionKeyPair()
    const published = await applicant.publishEncryptionKey(first.publicKey)
    assert.deepEqual(supervisionEvents(w, published.receipt), [{ eventName: 'EncryptionKeyPublished', args: { org: applicant.address, publicKey: first.publicKey } }])
    assert.equal(await w.client.encryptionKeyOf(applicant.address), first.publicKey)

    // Rotation replaces the key; both prefixes (even and odd y) are accepted.
    let second = generateEncryptionKeyPair()
    while (second.publicKey.slice(0, 4) === first.publicKey.slice(0, 4)) second = generateEncryptionKeyPair()
    await applicant.publishEncryptionKey(second.publicKey)
    assert.equal(await w.client.encryptionKeyOf(applicant.address), second.publicKey)

    // The world published every organisation's key; the admitted seller organisation rotates.
    assert.equal(await w.client.encryptionKeyOf(w.orgs.seller.address), w.encryptionKeys.seller.publicKey)
    const rotated = generateEncryptionKeyPair()
    await w.client.as(w.orgs.seller).publishEncryptionKey(rotated.publicKey)
    assert.equal(await w.client.encryptionKeyOf(w.orgs.seller.address), rotated.publicKey)
    assert.equal(await w.client.encryptionKeyOf(w.orgs.buyer.address), w.encryptionKeys.buyer.publicKey, 'others unchanged')
  })

  test('refusals: not an applicant or member, suspended, function keys, malformed or off-curve keys', async () => {
    const w = await setupWorld()
    const good = generateEncryptionKeyPair().publicKey
    const outsider = w.client.as(newAccount())
    await expectRevert(outsider.publishEncryptionKey(good), 'SupervisionNotMember', { caller: outsider.address, status: Status.None })
    // A function key is not an organisation.
    await expectRevert(w.seller.publishEncryptionKey(good), 'SupervisionNotMember', { caller: w.seller.address, status: Status.None })
    const sigma = await addOrg(w, 'Sigma Traders', ['Buyer'])
    await w.supervisor.suspend(sigma.admin.address, 'audit')
    await expectRevert(sigma.admin.publishEncryptionKey(good), 'SupervisionNotMember', { caller: sigma.admin.address, status: Status.Suspended })

    const admin = w.client.as(w.orgs.buyer)
    const x = good.slice(4)
    const p = 'fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f'
    const malformed: [string, Hex][] = [
      ['empty', '0x'],
      ['32 bytes', `0x${x}`],
      ['34 bytes', `${good}00`],
      ['uncompressed (65 bytes, 0x04)', bytesToHex(secp256k1.Point.fromHex(good.slice(2)).toBytes(false))],
      ['prefix 0x04 with 33 bytes', `0x04${x}`],
      ['prefix 0x00', `0x00${x}`],
      ['x = p (not a field element)', `0x02${p}`],
      ['x = 2^256 - 1', `0x03${'f'.repeat(64)}`],
      ['x^3 + 7 not a square', offCurveKey()],
    ]
    for (const [what, key] of malformed) {
      await expectRevert(admin.publishEncryptionKey(key), 'SupervisionInvalidEncryptionKey', { org: admin.address, publicKey: key }).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`)
      })
    }
    assert.equal(await w.client.encryptionKeyOf(w.orgs.buyer.address), w.encryptionKeys.buyer.publicKey, 'refusals changed nothing')
  })
})

describe('Supervision oversight', () => {
  test('supervisors start and stop overseeing; the list is bounded; refusals', async () => {
    const w = await setupWorld()
    const regulator = w.orgs.supervisor.address
    assert.deepEqual(await w.client.overseers(), [regulator], 'the world supervisor oversees from the start')
    await expectRevert(w.supervisor.oversee(true), 'SupervisionOversightUnchanged', { supervisor: regulator, all: true })

    const auditor = await addSupervisorOrg(w, 'Audit Office')
    const { receipt } = await auditor.key.oversee(true)
    assert.deepEqual(supervisionEvents(w, receipt), [{ eventName: 'OversightChanged', args: { supervisor: auditor.org, all: true } }])
    assert.deepEqual(await w.client.overseers(), [regulator, auditor.org])

    // Stopping moves the last overseer into the freed place.
    const third = await addSupervisorOrg(w, 'Third Regulator')
    await third.key.oversee(true)
    const stopped = await w.supervisor.oversee(false)
    assert.deepEqual(supervisionEvents(w, stopped.receipt), [{ eventName: 'OversightChanged', args: { supervisor: regulator, all: false } }])
    assert.deepEqual(await w.client.overseers(), [third.org, auditor.org])
    await expectRevert(w.supervisor.oversee(false), 'SupervisionOversightUnchanged', { supervisor: regulator, all: false })

    // Only active supervisor keys: not other roles, not the organisation's admin address.
    for (const k of [w.buyer, w.platform, w.seller, auditor.admin, w.client.as(w.orgs.supervisor), w.client.as(newAccount())]) {
      await expectRevert(k.oversee(true), 'SupervisionNotSupervisor', { caller: k.address })
    }

    // At most MAX_OVERSEERS (16).
    assert.equal(await w.client.read(w.deployment.supervision, SupervisionAbi, 'MAX_OVERSEERS', []), 16n)
    for (let i = (await w.client.overseers()).length; i < 16; i++) await (await addSupervisorOrg(w, `Regulator ${i}`)).key.oversee(true)
    assert.equal((await w.client.overseers()).length, 16)
    await expectRevert(w.supervisor.oversee(true), 'SupervisionTooManyOverseers', { max: 16n })
    await auditor.key.oversee(false)
    await w.supervisor.oversee(true)
    assert.equal((await w.client.overseers()).length, 16)
  })

  test('an overseer that stops being an admitted supervisor is left out of new channels, and anyone may drop it', async () => {
    const w = await setupWorld()
    const regulator = w.orgs.supervisor.address
    const auditor = await addSupervisorOrg(w, 'Audit Office')
    await auditor.key.oversee(true)
    const open = async () => (await w.platform.openChannels([{ channelId: channelId(w), kind: 'DePlSu', members: membersOf(w, 'DePlSu') }])).channels[0]!

    assert.deepEqual((await open()).supervisors, [regulator, auditor.org])
    await expectRevert(w.buyer.dropOverseer(auditor.org), 'SupervisionOverseerStillActive', { supervisor: auditor.org })
    await w.supervisor.suspend(auditor.org, 'conflict of interest')
    assert.deepEqual((await open()).supervisors, [regulator], 'suspended: left out')
    await w.supervisor.reinstate(auditor.org)
    assert.deepEqual((await open()).supervisors, [regulator, auditor.org], 'reinstated: in again')

    await w.client.write(w.governance.account, w.deployment.alliance, AllianceAbi, 'removeSupervisor', [auditor.org])
    assert.deepEqual((await open()).supervisors, [regulator], 'supervisor role withdrawn: left out')
    const { receipt } = await w.buyer.dropOverseer(auditor.org)
    assert.deepEqual(supervisionEvents(w, receipt), [{ eventName: 'OversightChanged', args: { supervisor: auditor.org, all: false } }])
    assert.deepEqual(await w.client.overseers(), [regulator])
    await expectRevert(w.buyer.dropOverseer(auditor.org), 'SupervisionOversightUnchanged', { supervisor: auditor.org, all: false })
    await expectRevert(w.buyer.dropOverseer(newAccount().address), 'SupervisionOversightUnchanged')
  })
})

describe('Supervision channels', () => {
  let w: World
  let regulator: Address

  before(async () => {
    w = await setupWorld()
    regulator = w.orgs.supervisor.address
  })

  test('the platform opens a batch of every kind: one hash each, overseers added, exact events', async () => {
    const openings: ChannelOpeningInput[] = (['DePlSu', 'DePlPrSu', 'DePlSePrSu'] as const).map((kind) => ({ channelId: channelId(w), kind, members: membersOf(w, kind) }))
    const result = await w.platform.openChannels(openings)
    assert.deepEqual(
      supervisionEvents(w, result.receipt),
      openings.map((o) => ({ eventName: 'ChannelOpened', args: { channelId: o.channelId, kind: Kind[o.kind], members: o.members, supervisors: [regulator] } })),
    )
    for (const [i, o] of openings.entries()) {
      const state = channelOpenedState(o.kind, o.members, [regulator])
      assert.equal(await w.client.channelState(o.channelId), state, o.kind)
      assert.deepEqual(result.channels[i], { channelId: o.channelId, kind: o.kind, members: o.members, supervisors: [regulator], state })
    }
    assert.equal(await w.client.channelState(channelId(w)), ZERO_HASH, 'never opened')
    // The stored value is exactly keccak256(abi.encode(uint8 kind, address[] members, address[] supervisors)).
    const manual = keccak256(`0x${[1n, 0x60n, 0xc0n, 2n, BigInt(openings[0]!.members[0]!), BigInt(openings[0]!.members[1]!), 1n, BigInt(regulator)].map((v) => v.toString(16).padStart(64, '0')).join('')}`)
    assert.equal(await w.client.channelState(openings[0]!.channelId), manual)
  })

  test('supervisors join: the state chains keccak256(abi.encode(state, org)); joining again is allowed', async () => {
    const auditor = await addSupervisorOrg(w, 'Audit Office')
    const id = channelId(w)
    const members = membersOf(w, 'DePlPrSu')
    await w.platform.openChannels([{ channelId: id, kind: 'DePlPrSu', members }])
    let expected = channelOpenedState('DePlPrSu', members, [regulator])
    const joined = await auditor.key.join(id)
    assert.deepEqual(supervisionEvents(w, joined.receipt), [{ eventName: 'SupervisorJoined', args: { channelId: id, supervisor: auditor.org } }])
    expected = channelJoinedState(expected, auditor.org)
    assert.equal(await w.client.channelState(id), expected)
    await auditor.key.join(id)
    await w.supervisor.join(id) // an overseer already in the channel, too
    expected = channelJoinedState(channelJoinedState(expected, auditor.org), regulator)
    assert.equal(await w.client.channelState(id), expected)

    await expectRevert(auditor.key.join(channelId(w)), 'SupervisionChannelNotFound')
    for (const k of [w.buyer, w.platform, auditor.admin, w.client.as(newAccount())]) {
      await expectRevert(k.join(id), 'SupervisionNotSupervisor', { caller: k.address })
    }
    await w.client.write(w.governance.account, w.deployment.alliance, AllianceAbi, 'removeSupervisor', [auditor.org])
    await expectRevert(auditor.key.join(id), 'SupervisionNotSupervisor', { caller: auditor.key.address })
    assert.equal(await w.client.channelState(id), expected, 'refusals changed nothing')
  })

  test('refusals of openChannels, each by its named error; a refused batch opens nothing', async () => {
    const platformOrg = w.orgs.platform.address
    const { buyer, seller, arbitrator } = w.orgs
    const applicant = w.client.as(newAccount())
    await applicant.applyForMembership('Applicant Co', ['Buyer'])
    const sigma = await addOrg(w, 'Sigma Traders', ['Buyer'])
    await w.supervisor.suspend(sigma.admin.address, 'audit')
    const stranger = newAccount().address
    const opened = channelId(w)
    await w.platform.openChannels([{ channelId: opened, kind: 'DePlSu', members: membersOf(w, 'DePlSu') }])
    const stored = await w.client.channelState(opened)

    const id = channelId(w)
    const raw = (openings: { channelId: bigint; kind: number; members: Address[] }[], key: Actor = w.platform) =>
      w.client.write(key.account, w.deployment.supervision, SupervisionAbi, 'openChannels', [openings])
    const one = (kind: ChannelKindName, members: Address[], cid = id) => w.platform.openChannels([{ channelId: cid, kind, members }])
    const rows: [string, () => Promise<unknown>, string, Record<string, unknown>?][] = [
      ['empty batch', () => raw([]), 'SupervisionNoChannels'],
      ['an opened channel', () => one('DePlSu', membersOf(w, 'DePlSu'), opened), 'SupervisionChannelExists', { channelId: opened }],
      ['the same channel twice in a batch', () => w.platform.openChannels([{ channelId: id, kind: 'DePlSu', members: membersOf(w, 'DePlSu') }, { channelId: id, kind: 'DePlPrSu', members: membersOf(w, 'DePlPrSu') }]), 'SupervisionChannelExists', { channelId: id }],
      ['kind None', () => raw([{ channelId: id, kind: Kind.None, members: [buyer.address, platformOrg] }]), 'SupervisionInvalidKind', { channelId: id, kind: Kind.None }],
      ['DePlSu with 3 members', () => one('DePlSu', membersOf(w, 'DePlPrSu')), 'SupervisionMemberCount', { channelId: id, kind: Kind.DePlSu, count: 3n, expected: 2n }],
      ['DePlPrSu with 2 members', () => one('DePlPrSu', membersOf(w, 'DePlSu')), 'SupervisionMemberCount', { channelId: id, kind: Kind.DePlPrSu, count: 2n, expected: 3n }],
      ['DePlSePrSu with 3 members', () => one('DePlSePrSu', membersOf(w, 'DePlPrSu')), 'SupervisionMemberCount', { channelId: id, kind: Kind.DePlSePrSu, count: 3n, expected: 4n }],
      ['DePlSePrSu with 5 members', () => one('DePlSePrSu', [...membersOf(w, 'DePlSePrSu'), w.orgs.buyer2.address]), 'SupervisionMemberCount', { channelId: id, kind: Kind.DePlSePrSu, count: 5n, expected: 4n }],
      ['no members', () => one('DePlSu', []), 'SupervisionMemberCount', { channelId: id, count: 0n, expected: 2n }],
      ['members[1] is not the platform', () => one('DePlSu', [platformOrg, buyer.address]), 'SupervisionNotChannelPlatform', { channelId: id, member: buyer.address, platform: platformOrg }],
      ['a duplicate member', () => one('DePlPrSu', [buyer.address, platformOrg, buyer.address]), 'SupervisionDuplicateMember', { channelId: id, org: buyer.address }],
      ['the platform twice', () => one('DePlSePrSu', [buyer.address, platformOrg, seller.address, platformOrg]), 'SupervisionDuplicateMember', { channelId: id, org: platformOrg }],
      ['an applicant not admitted', () => one('DePlPrSu', [buyer.address, platformOrg, applicant.address]), 'SupervisionMemberNotAdmitted', { channelId: id, org: applicant.address, status: Status.Applied }],
      ['a suspended member', () => one('DePlSu', [sigma.admin.address, platformOrg]), 'SupervisionMemberNotAdmitted', { channelId: id, org: sigma.admin.address, status: Status.Suspended }],
      ['an address that never applied', () => one('DePlSePrSu', [buyer.address, platformOrg, stranger, seller.address]), 'SupervisionMemberNotAdmitted', { channelId: id, org: stranger, status: Status.None }],
      ['a function key instead of its organisation', () => one('DePlPrSu', [w.buyer.address, platformOrg, seller.address]), 'SupervisionMemberNotAdmitted', { channelId: id, org: w.buyer.address, status: Status.None }],
      ['a good opening followed by a bad one', () => w.platform.openChannels([{ channelId: id, kind: 'DePlSu', members: membersOf(w, 'DePlSu') }, { channelId: channelId(w), kind: 'DePlSu', members: [arbitrator.address, platformOrg, seller.address] }]), 'SupervisionMemberCount'],
    ]
    for (const k of [w.buyer, w.seller, w.storage, w.supervisor, w.client.as(w.orgs.platform), w.client.as(newAccount())]) {
      rows.push([`by ${k.address}`, () => raw([{ channelId: id, kind: Kind.DePlSu, members: membersOf(w, 'DePlSu') }], k), 'SupervisionNotPlatform', { caller: k.address }])
    }
    for (const [name, call, error, args] of rows) {
      await expectRevert(call(), error, args).catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`)
      })
    }
    assert.equal(await w.client.channelState(id), ZERO_HASH, 'nothing opened')
    assert.equal(await w.client.channelState(opened), stored, 'the opened channel unchanged')

    // A suspended platform organisation's key stops acting.
    await w.supervisor.suspend(platformOrg, 'outage review')
    await expectRevert(one('DePlSu', membersOf(w, 'DePlSu')), 'SupervisionNotPlatform', { caller: w.platform.address })
    await w.supervisor.reinstate(platformOrg)
    await one('DePlSu', membersOf(w, 'DePlSu'))
    assert.notEqual(await w.client.channelState(id), ZERO_HASH)
  })
})

describe('Supervision anchoring', () => {
  test('commitHeads numbers batches 0, 1, 2…; batchRoot and batchCount; exact event; refusals', async () => {
    const w = await setupWorld()
    assert.equal(await w.client.batchCount(), 0n)
    assert.deepEqual(await w.client.batchRoot(0n), { root: ZERO_HASH, committedAt: 0 })
    const roots = [keccak256(toHex('batch 0')), keccak256(toHex('batch 1'))]
    const first = await w.platform.commitHeads({ root: roots[0]!, heads: 3, records: 7 })
    assert.equal(first.batch, 0n)
    assert.deepEqual(supervisionEvents(w, first.receipt), [
      { eventName: 'HeadsCommitted', args: { batch: 0n, root: roots[0], heads: 3, records: 7n, platform: w.orgs.platform.address } },
    ])
    const firstTime = await chainTime(w)
    await w.net.increaseTime(60)
    const second = await w.platform.commitHeads({ root: roots[1]!, heads: 1, records: 1 })
    assert.equal(second.batch, 1n)
    assert.equal(await w.client.batchCount(), 2n)
    assert.deepEqual(await w.client.batchRoot(0n), { root: roots[0], committedAt: firstTime })
    assert.deepEqual(await w.client.batchRoot(1n), { root: roots[1], committedAt: await chainTime(w) })
    assert.deepEqual(await w.client.batchRoot(2n), { root: ZERO_HASH, committedAt: 0 })

    const root = roots[0]!
    await expectRevert(w.platform.commitHeads({ root: ZERO_HASH, heads: 1, records: 1 }), 'SupervisionZeroRoot')
    await expectRevert(w.platform.commitHeads({ root, heads: 0, records: 5 }), 'SupervisionNoHeads')
    await expectRevert(w.platform.commitHeads({ root, heads: 4, records: 3 }), 'SupervisionFewerRecordsThanHeads', { heads: 4, records: 3n })
    for (const k of [w.buyer, w.seller, w.supervisor, w.client.as(w.orgs.platform), w.client.as(newAccount())]) {
      await expectRevert(k.commitHeads({ root, heads: 1, records: 1 }), 'SupervisionNotPlatform', { caller: k.address })
    }
    assert.equal(await w.client.batchCount(), 2n, 'refusals committed nothing')
  })

  test('configuration() names the Alliance and the Marketplace; the constructor refuses zero addresses', async () => {
    const w = await setupWorld()
    const [alliance, marketplace] = await w.client.read(w.deployment.supervision, SupervisionAbi, 'configuration', [])
    assert.deepEqual([alliance, marketplace], [getAddress(w.deployment.alliance), getAddress(w.deployment.marketplace)])
    const constructorError = async (args: [Address, Address]) => {
      const data = encodeDeployData({ abi: SupervisionAbi, bytecode: SupervisionBytecode, args })
      const error = await w.client.publicClient.call({ account: w.governance.account, data }).then(() => undefined, (e: unknown) => e)
      assert.ok(error instanceof BaseError, 'deployment refused')
      const revert = error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data: Hex } | null
      return decodeErrorResult({ abi: SupervisionAbi, data: revert!.data })
    }
    assert.deepEqual(await constructorError([ZERO_ADDRESS, w.deployment.marketplace]), { abiItem: SupervisionAbi.find((x) => x.type === 'error' && x.name === 'SupervisionInvalidConfiguration'), errorName: 'SupervisionInvalidConfiguration', args: ['alliance'] })
    assert.equal((await constructorError([w.deployment.alliance, ZERO_ADDRESS])).args?.[0], 'marketplace')
  })
})
