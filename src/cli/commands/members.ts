/**
 * `bourse org …` (local organisations and their keys) and `bourse member …` (the alliance:
 * apply, admit, suspend, reinstate, bind keys, show) — through the node's API when it runs
 * one, else over JSON-RPC (`ctx.backend()`); keystores are always local.
 */
import type { Command } from 'commander'
import type { Role } from '../../identity/roles.ts'
import { createOrganisation, listOrganisations } from '../../node/organisations.ts'
import { publishEncryptionKeyIfChanged } from '../../sdk/supervision.ts'
import { CliContext } from '../context.ts'
import { parseRoles } from '../parse.ts'

/** Applies for `name` with `wanted` roles (its identity key signs) and publishes its encryption key. */
async function apply(ctx: CliContext, name: string, wanted: Role[]) {
  const applied = await ctx.backend().applyForMembership(name, wanted)
  return { ...applied, encryptionKeyPublished: await publishOwnEncryptionKey(ctx, name) }
}

/**
 * Publishes a local organisation's encryption key unless the chain already holds it: the
 * supervision channel keys of its trades are wrapped to that key (src/supervision/README.md),
 * so an organisation without it cannot read the private fields of its own trades' records.
 * Run on apply, admit and bind-keys, so an organisation created before supervision, or that
 * applied before its key was published, gets it published by the next of them. Returns
 * whether a transaction was sent; false for a name that is not a local organisation (it
 * publishes its own).
 */
async function publishOwnEncryptionKey(ctx: CliContext, name: string): Promise<boolean> {
  const org = await ctx.localOrg(name)
  if (!org) return false
  return (await publishEncryptionKeyIfChanged(await ctx.client(), org.admin, org.encryptionKey.publicKey)) !== undefined
}

const publishedNote = (published: boolean) => (published ? '; published its encryption key' : '')

export function memberCommands(program: Command): void {
  const org = program.command('org').description('local organisations: keystores and function keys')
  org
    .command('create <name>')
    .description('create an organisation keystore (and, with --roles, apply for membership with those roles)')
    .option('--roles <roles>', 'comma-separated roles to apply for, e.g. seller,storage')
    .option('--display-name <text>', 'name shown in the alliance registry')
    .action(async (name: string, o: { roles?: string; displayName?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const wanted = o.roles ? parseRoles(o.roles) : undefined
      const { org: created, mnemonic } = await createOrganisation(ctx.dataDir, name, o.displayName ?? name)
      ctx.out.step(`created organisation "${name}", identity ${created.admin.address}`)
      if (!ctx.out.json) ctx.out.step(`recovery words (write them down, shown once):\n  ${mnemonic}`)
      if (wanted) {
        await apply(ctx, name, wanted)
        ctx.out.step(`applied for membership with roles ${wanted.join(', ')} and published its encryption key; a supervisor must now admit it: bourse member admit ${name}`)
      }
      ctx.out.result({ name, identity: created.admin.address, keys: created.addresses(), applied: wanted ?? [] }, (v) =>
        Object.entries(v.keys as Record<string, string>).map(([r, a]) => `  ${r.padEnd(10)} ${a}`).join('\n'),
      )
    })
  org
    .command('list')
    .description('list local organisations')
    .action(async (_o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const names = listOrganisations(ctx.dataDir)
      const rows = await Promise.all(names.map(async (n) => ({ name: n, identity: (await ctx.org(n)).admin.address })))
      ctx.out.result(rows, (v) => (v.length ? v.map((r: any) => `${r.name.padEnd(16)} ${r.identity}`).join('\n') : 'no local organisations'))
    })
  org
    .command('keys <name>')
    .description('show an organisation\'s identity and function keys')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const o = await ctx.org(name)
      ctx.out.result({ name, identity: o.admin.address, keys: o.addresses() }, (v) =>
        [`identity   ${v.identity}`, ...Object.entries(v.keys as Record<string, string>).map(([r, a]) => `${r.padEnd(10)} ${a}`)].join('\n'),
      )
    })

  const member = program.command('member').description('alliance membership: apply, admit, suspend, keys')
  member
    .command('apply <org>')
    .description('apply for membership of a local organisation with roles')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. seller,storage')
    .action(async (name: string, o: { roles: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const wanted = parseRoles(o.roles)
      const applied = await apply(ctx, name, wanted)
      ctx.out.result({ org: applied.org, roles: wanted, encryptionKeyPublished: applied.encryptionKeyPublished }, (v) =>
        `${name} (${v.org}) applied for ${v.roles.join(', ')}${publishedNote(v.encryptionKeyPublished)}; next: bourse member admit ${name} --as <supervisor org>`)
    })
  member
    .command('admit <org>')
    .description('admit an applicant (by local name or address), signing with a supervisor key; binds its keys when it is local')
    .option('--as <org>', 'local supervisor organisation', undefined)
    .action(async (target: string, o: { as?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const supervisorOrg = o.as ?? ctx.dataDir.readConfig().operator
      const address = await ctx.orgAddress(target)
      const r = await ctx.backend().admit(supervisorOrg, address)
      const bound = await ctx.backend().bindMissingKeys(target)
      const published = await publishOwnEncryptionKey(ctx, target)
      ctx.out.result({ org: address, tx: r.hash, boundKeys: bound, encryptionKeyPublished: published }, (v) =>
        `admitted ${target} (${v.org})${v.boundKeys.length ? `; bound keys: ${v.boundKeys.join(', ')}` : ''}${publishedNote(v.encryptionKeyPublished)}`)
    })
  member
    .command('bind-keys <org>')
    .description('bind the current function key of every role the local organisation holds (also after `bourse org rotate`) and publish its encryption key if the chain lacks it')
    .action(async (name: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      await ctx.org(name) // a local organisation: says which exist if not (the steps below skip any other)
      const bound = await ctx.backend().bindMissingKeys(name)
      const published = await publishOwnEncryptionKey(ctx, name)
      ctx.out.result({ bound, encryptionKeyPublished: published }, (v) => `${v.bound.length ? `bound keys: ${v.bound.join(', ')}` : 'all keys already bound'}${publishedNote(v.encryptionKeyPublished)}`)
    })
  for (const action of ['suspend', 'reinstate'] as const) {
    member
      .command(`${action} <org>`)
      .description(`${action} a member, signing with a supervisor key`)
      .option('--as <org>', 'local supervisor organisation')
      .option('--reason <text>', 'why (recorded on chain)', 'supervisor decision')
      .action(async (target: string, o: { as?: string; reason: string }, cmd: Command) => {
        const ctx = CliContext.of(cmd)
        const supervisorOrg = o.as ?? ctx.dataDir.readConfig().operator
        const address = await ctx.orgAddress(target)
        const r = action === 'suspend' ? await ctx.backend().suspend(supervisorOrg, address, o.reason) : await ctx.backend().reinstate(supervisorOrg, address)
        ctx.out.result({ org: address, tx: r.hash }, () => `${action === 'suspend' ? 'suspended' : 'reinstated'} ${target}`)
      })
  }
  member
    .command('show <org>')
    .description('an organisation\'s status, roles and bound keys')
    .action(async (target: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const address = await ctx.orgAddress(target)
      const m = await ctx.backend().member(address)
      ctx.out.result({ org: address, status: m.status, roles: m.roles, keys: m.keys }, (v) =>
        [`${target} ${v.org}: ${v.status}`, ...Object.entries(v.keys as Record<string, string>).map(([r, k]) => `  ${r.padEnd(10)} ${k}`)].join('\n'),
      )
    })
}
