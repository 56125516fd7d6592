/**
 * `bourse pricing rounds` and `bourse pricing advance <category>`: the on-chain pricing
 * rounds of each category, and the platform's round advance.
 */
import type { Command } from 'commander'
import { advanceRound, quote, roundStates } from '../../sdk/pricing.ts'
import { CliContext } from '../context.ts'
import { credits } from '../output.ts'
import { parseUint } from '../parse.ts'

export function addRoundCommands(pricing: Command): void {
  pricing
    .command('rounds')
    .description('current round, price, supply and demand of every category on chain')
    .action(async (_o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const client = await ctx.client()
      const names = new Map((client.deployment.categories ?? []).map((c) => [c.id, c.name]))
      const states = await roundStates(client)
      const rows = await Promise.all(states.map(async (s) => ({ ...s, name: names.get(s.category), next: s.due ? await quote(client, s.category) : undefined })))
      ctx.out.result(rows, (v: typeof rows) =>
        v.length === 0
          ? 'this deployment uses a fixed price'
          : v
              .map((r) => `category ${r.category} (${r.name}): round ${r.round} at ${credits(r.price)}, supply ${r.supply}, demand ${r.demand}, ${r.due ? `ended; next round at ${credits(r.next!.price)}` : `ends ${new Date(r.endsAt * 1000).toISOString()}`}`)
              .join('\n'),
      )
    })
  pricing
    .command('advance <category>')
    .description('open the next round of an ended round (the operator\'s platform key)')
    .action(async (category: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const id = parseUint(category, 'category')
      const client = await ctx.client()
      const operator = await ctx.org(ctx.dataDir.readConfig().operator)
      const r = await advanceRound(client, operator.key('Platform'), id)
      const q = await quote(client, id)
      ctx.out.result({ category: id, round: q.round, price: q.price, tx: r.hash }, (v) => `category ${id}: round ${v.round} opened at ${credits(v.price)}`)
    })
}
