/**
 * `bourse mint`, `deposit`, `withdraw`, `balance`: the alliance credit and internal
 * marketplace balances (pull payments) — through the node's API when it runs one (balances
 * from its indexer), else over JSON-RPC (`ctx.backend()`).
 */
import type { Command } from 'commander'
import type { BalanceRow } from '../backend/MarketBackend.ts'
import { listOrganisations } from '../../node/organisations.ts'
import { CliContext } from '../context.ts'
import { credits } from '../output.ts'
import { parseCredits, parseRole } from '../parse.ts'

export function moneyCommands(program: Command): void {
  program
    .command('mint <amount> <org>')
    .description('issue credits to an organisation\'s role key (governance: the operator)')
    .option('--role <role>', 'which key of <org> receives them', 'buyer')
    .action(async (amount: string, target: string, o: { role: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const value = parseCredits(amount)
      const to = await ctx.roleKey(target, parseRole(o.role))
      const r = await ctx.backend().mint(ctx.dataDir.readConfig().operator, to, value)
      ctx.out.result({ to, amount: value, tx: r.hash }, (v) => `minted ${credits(v.amount)} to ${target} (${v.to})`)
    })
  program
    .command('deposit <amount>')
    .description('move credits from a key\'s token balance into its marketplace balance')
    .requiredOption('--org <org>', 'local organisation')
    .option('--role <role>', 'which key', 'buyer')
    .action(async (amount: string, o: { org: string; role: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const value = parseCredits(amount)
      const r = await ctx.backend().deposit(o.org, parseRole(o.role), value)
      ctx.out.result({ account: r.account, amount: value, tx: r.hash }, (v) => `deposited ${credits(v.amount)} for ${v.account}`)
    })
  program
    .command('withdraw <amount>')
    .description('pay out credits from a key\'s available marketplace balance')
    .requiredOption('--org <org>', 'local organisation')
    .option('--role <role>', 'which key', 'seller')
    .action(async (amount: string, o: { org: string; role: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const role = parseRole(o.role)
      const r = await ctx.backend().withdraw(o.org, role, amount === 'all' ? 'all' : parseCredits(amount))
      ctx.out.result({ account: r.account, amount: r.amount, tx: r.hash }, (v) => `withdrew ${credits(v.amount)} to ${v.account}`)
    })
  program
    .command('balance [org]')
    .description('token and marketplace balances of every key of a local organisation (default: all local organisations)')
    .action(async (target: string | undefined, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const names = target ? [target] : listOrganisations(ctx.dataDir)
      const rows = await ctx.backend().balances(names, Boolean(target))
      ctx.out.result(rows, (v: BalanceRow[]) =>
        v.length === 0
          ? 'no balances'
          : [`${'org'.padEnd(14)} ${'role'.padEnd(10)} ${'tokens'.padStart(14)} ${'available'.padStart(14)} ${'locked'.padStart(14)}`,
            ...v.map((r) => `${r.org.padEnd(14)} ${r.role.padEnd(10)} ${credits(r.tokens).padStart(14)} ${credits(r.available).padStart(14)} ${credits(r.locked).padStart(14)}`)].join('\n'),
      )
    })
}
