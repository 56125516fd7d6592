/**
 * fast-check: random sequences of channel openings (batches of every kind, sometimes
 * re-opening a channel), joins (sometimes of a channel never opened) and oversight changes.
 * After every step the chain's `channelState` of every channel equals the hash chain
 * recomputed off chain from the model (kind, members, the overseers at opening, the joins),
 * and `overseers()` equals the model's list (swap-and-pop order). `FC_RUNS`, `FC_SEED`.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { Address, Hex } from 'viem'
import type { Actor } from '../../src/sdk/BourseClient.ts'
import { channelJoinedState, channelOpenedState, type ChannelKindName } from '../../src/sdk/supervision.ts'
import { addSupervisorOrg, channelId, membersOf } from './supervisionHelpers.ts'
import { expectRevert, setupWorld, ZERO_HASH } from './helpers.ts'

const kinds = ['DePlSu', 'DePlPrSu', 'DePlSePrSu'] as const

type Op =
  | { t: 'open'; kinds: ChannelKindName[]; reopen: number | null }
  | { t: 'join'; channel: number; supervisor: number }
  | { t: 'oversee'; supervisor: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('open' as const), kinds: fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 3 }), reopen: fc.option(fc.nat(7), { freq: 4 }) }),
  fc.record({ t: fc.constant('join' as const), channel: fc.nat(9), supervisor: fc.nat(2) }),
  fc.record({ t: fc.constant('oversee' as const), supervisor: fc.nat(2) }),
)

test('channelState always equals the off-chain recomputation of the hash chain', async () => {
  const w = await setupWorld()
  const supervisors: { org: Address; key: Actor }[] = [{ org: w.orgs.supervisor.address, key: w.supervisor }]
  for (const name of ['Audit Office', 'Data Regulator']) supervisors.push(await addSupervisorOrg(w, name))
  // The model persists across runs, as the chain does.
  const overseers: Address[] = [w.orgs.supervisor.address]
  const states = new Map<bigint, Hex>()

  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
      const mine: bigint[] = [] // channels opened in this run, in order
      for (const o of ops) {
        if (o.t === 'open') {
          const openings = o.kinds.map((kind) => ({ channelId: channelId(w), kind, members: membersOf(w, kind) }))
          if (o.reopen !== null && mine.length > 0) {
            const again = mine[o.reopen % mine.length]!
            openings.push({ channelId: again, kind: 'DePlSu', members: membersOf(w, 'DePlSu') })
            await expectRevert(w.platform.openChannels(openings), 'SupervisionChannelExists', { channelId: again })
          } else {
            const { channels } = await w.platform.openChannels(openings)
            for (const [i, opening] of openings.entries()) {
              assert.deepEqual(channels[i]!.supervisors, overseers)
              states.set(opening.channelId, channelOpenedState(opening.kind, opening.members, overseers))
              mine.push(opening.channelId)
            }
          }
        } else if (o.t === 'join') {
          const s = supervisors[o.supervisor]!
          const id = o.channel < mine.length ? mine[o.channel]! : channelId(w)
          if (!states.has(id)) {
            await expectRevert(s.key.join(id), 'SupervisionChannelNotFound', { channelId: id })
          } else {
            await s.key.join(id)
            states.set(id, channelJoinedState(states.get(id)!, s.org))
          }
        } else {
          const s = supervisors[o.supervisor]!
          const index = overseers.indexOf(s.org)
          await s.key.oversee(index < 0)
          if (index < 0) overseers.push(s.org)
          else {
            const last = overseers.pop()!
            if (index < overseers.length) overseers[index] = last
          }
        }
        assert.deepEqual(await w.client.overseers(), overseers, 'overseers')
        for (const id of mine) assert.equal(await w.client.channelState(id), states.get(id), `channel ${id}`)
      }
      for (const id of mine) assert.notEqual(states.get(id), ZERO_HASH)
    }),
    {
      numRuns: Number(process.env.FC_RUNS ?? 25),
      seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED),
      examples: [
        [[{ t: 'oversee', supervisor: 1 }, { t: 'open', kinds: ['DePlSePrSu', 'DePlSu'], reopen: null }, { t: 'oversee', supervisor: 0 }, { t: 'join', channel: 0, supervisor: 0 }, { t: 'join', channel: 0, supervisor: 0 }, { t: 'open', kinds: ['DePlPrSu'], reopen: 0 }, { t: 'join', channel: 9, supervisor: 2 }]],
      ],
    },
  )
})
