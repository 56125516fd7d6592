/**
 * `bourse trace …`: supervision from the terminal (SPEC.md section 4) — verify a record
 * against the chain, audit a channel, read a record (private fields decrypted locally when
 * the organisation is a channel member), the supervisor's view of its channels, and proof
 * bundles that verify offline with only the chain's committed roots.
 *
 * Verification and audit exit 1 when something does not match, so scripts can rely on them.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { hexToBytes, isHex, type Hex } from 'viem'
import { UsageError } from '../../errors/node.ts'
import { BUNDLE_FORMAT, parseBundle, verifyBundle, type ProofBundle } from '../../supervision/bundle.ts'
import { unwrapChannelKeyAsMember } from '../../supervision/envelope.ts'
import { LINKS } from '../../supervision/links.ts'
import { openRecord } from '../../supervision/record.ts'
import { CliContext } from '../context.ts'
import { memberKey } from '../memberKey.ts'

const recordIdArg = (v: string): Hex => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`"${v}" is not a record id: 0x and 64 hex digits.`)
  return v.toLowerCase() as Hex
}

const channelArg = (v: string): string => {
  if (!/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(v)) throw new UsageError(`"${v}" is not a channel (trade) id: 0x hex or decimal.`)
  return `0x${BigInt(v).toString(16)}`
}

interface Verification {
  recordId: string
  ok: boolean
  status: string
  channelId: string | null
  seq: number | null
  link: string | null
  checks: { name: string; ok: boolean; detail: string }[]
  problems: string[]
}

/** One line per verification check: `ok  name: detail` or `FAIL name: detail`. */
const checkLines = (checks: readonly { name: string; ok: boolean; detail: string }[]) => checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)

export function traceCommands(program: Command): void {
  const trace = program.command('trace').description('supervision: verify, audit and read trade records anchored on chain')

  trace
    .command('verify')
    .description("recompute a record's hash from the off-chain copy and check it against the root committed on chain")
    .argument('<record-id>', 'record id (0x…)', recordIdArg)
    .action(async (recordId: Hex, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const v = await ctx.api().call<Verification>('GET', `/v1/supervision/records/${recordId}/verification`)
      ctx.out.result(v, (r: Verification) =>
        [
          `record ${r.recordId}: ${r.status.toUpperCase()}${r.link ? ` (${r.link} link of channel ${r.channelId}, position ${r.seq})` : ''}`,
          ...checkLines(r.checks),
          ...(r.checks.length ? [] : r.problems.map((p) => `  ${p}`)),
        ].join('\n'),
      )
      if (!v.ok) process.exitCode = 1
    })

  trace
    .command('audit')
    .description('verify a whole channel: every tampered, missing, reordered or unanchored record, and its membership')
    .argument('<channel>', 'channel id = trade id (0x… or decimal)', channelArg)
    .action(async (channel: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const a = await ctx.api().call<{ channelId: string; ok: boolean; records: number; logSize: number; anchoredSize: number; issues: { kind: string; recordId: string | null; position: number | null; detail: string }[] }>('GET', `/v1/supervision/channels/${channel}/audit`)
      ctx.out.result(a, (r: typeof a) =>
        [
          `channel ${r.channelId}: ${r.ok ? 'OK' : 'PROBLEMS'} — ${r.records} records, log of ${r.logSize}, ${r.anchoredSize} anchored on chain`,
          ...r.issues.map((i) => `  ${i.kind.padEnd(12)} ${i.position === null ? '' : `#${i.position} `}${i.detail}`),
        ].join('\n'),
      )
      if (!a.ok) process.exitCode = 1
    })

  trace
    .command('show')
    .description("a record's public fields; with --org, its private fields too, decrypted here when that organisation is a channel member")
    .argument('<record-id>', 'record id (0x…)', recordIdArg)
    .option('--org <name>', 'local organisation to read as (its encryption key decrypts)')
    .action(async (recordId: Hex, o: { org?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const api = ctx.api()
      const record = await api.call<{ recordId: Hex; channelId: string; seq: number; link: string; publicFields: Record<string, unknown>; createdAt: number }>('GET', `/v1/supervision/records/${recordId}`)
      let privateFields: Record<string, unknown> | undefined
      if (o.org) {
        const org = await ctx.org(o.org)
        const envelope = await api.call<{ org: string; privateCiphertext: Hex; wrappedRecordKey: Hex; wrappedChannelKey: Hex; producerKey: Hex }>('GET', `/v1/supervision/records/${recordId}/envelope`, { as: await memberKey(ctx, o.org) })
        const channelKey = unwrapChannelKeyAsMember(org.encryptionKey.privateKey, hexToBytes(envelope.producerKey), hexToBytes(envelope.wrappedChannelKey), BigInt(record.channelId), envelope.org)
        privateFields = channelKey && openRecord({ ...record, channelId: BigInt(record.channelId), publicFields: '', privateCiphertext: envelope.privateCiphertext, wrappedRecordKey: envelope.wrappedRecordKey, source: '', createdAt: record.createdAt, link: record.link as never }, channelKey)
        if (!privateFields) throw new UsageError(`The envelope of ${recordId} does not open with ${o.org}'s encryption key (was the key rotated after the channel opened?).`)
      }
      ctx.out.result({ ...record, ...(privateFields ? { privateFields } : {}) }, (r) =>
        [
          `record ${r.recordId} — ${r.link} link of channel ${r.channelId}, position ${r.seq}, ${new Date(r.createdAt).toISOString()}`,
          '  public:',
          ...Object.entries(r.publicFields).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
          ...(r.privateFields ? ['  private:', ...Object.entries(r.privateFields as Record<string, unknown>).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)] : []),
        ].join('\n'),
      )
    })

  trace
    .command('channels')
    .description('the supervisor view: channels an organisation supervises with their five links')
    .requiredOption('--org <name>', 'local supervisor organisation')
    .option('--member <org>', 'only channels with this member organisation (name or address)')
    .addOption(new Option('--link <link>', 'only channels with a record of this link').choices([...LINKS]))
    .option('--since <unix-seconds>', 'opened at or after')
    .option('--limit <n>', 'channels per page (1-200)', '50')
    .action(async (o: { org: string; member?: string; link?: string; since?: string; limit: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const query = new URLSearchParams({ limit: o.limit })
      if (o.member) query.set('member', await ctx.orgAddress(o.member))
      if (o.link) query.set('link', o.link)
      if (o.since) query.set('from', o.since)
      const page = await ctx.api().call<{ channels: { channelId: string; kind: number; members: string[]; records: { recordId: string; link: string; publicFields: Record<string, unknown> }[] }[] }>('GET', `/v1/supervision/channels?${query}`, { as: await memberKey(ctx, o.org) })
      ctx.out.result(page, (p: typeof page) =>
        p.channels.length === 0
          ? 'no channels'
          : p.channels.map((c) => [`channel ${c.channelId} (kind ${['', 'DePlSu', 'DePlPrSu', 'DePlSePrSu'][c.kind]}) members ${c.members.join(', ')}`, ...c.records.map((r) => `  ${r.link.padEnd(15)} ${r.recordId}`)].join('\n')).join('\n'),
      )
    })

  trace
    .command('export')
    .description("write a record's self-contained proof bundle (verifies offline with only the chain's committed roots)")
    .argument('<record-id>', 'record id (0x…)', recordIdArg)
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .action(async (recordId: Hex, o: { out: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const bundle = await ctx.api().call<ProofBundle>('GET', `/v1/supervision/records/${recordId}/proof`)
      writeFileSync(o.out, `${JSON.stringify(bundle, null, 2)}\n`)
      ctx.out.result({ recordId, out: o.out, batch: bundle.batch.number }, (r) => `proof bundle of ${r.recordId} written to ${r.out} (anchored in batch ${r.batch})`)
    })

  trace
    .command('check')
    .description('verify a proof bundle offline against a committed batch root (--root), or against the chain')
    .argument('<bundle>', 'bundle file written by `bourse trace export`')
    .option('--root <hex>', "the batch's root as committed on chain (read it with `bourse trace root <batch>` or any Ethereum tool)")
    .action(async (file: string, o: { root?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      let json: unknown
      try {
        json = JSON.parse(readFileSync(file, 'utf8'))
      } catch (err) {
        throw new UsageError(`Cannot read the bundle ${file}: ${(err as Error).message}`)
      }
      if ((json as { format?: unknown } | null)?.format !== BUNDLE_FORMAT) throw new UsageError(`${file} is not a databourse proof bundle (format ${BUNDLE_FORMAT}).`)
      const parsed = parseBundle(json)
      if ('error' in parsed) throw new UsageError(`${file} is not a well-formed proof bundle: ${parsed.error}`)
      const { bundle } = parsed
      if (o.root !== undefined && !(isHex(o.root) && o.root.length === 66)) throw new UsageError('--root must be 0x and 64 hex digits.')
      const root = (o.root as Hex | undefined) ?? (await onChainRoot(ctx, bundle.batch.number))
      const v = verifyBundle(bundle, root)
      ctx.out.result({ ...v, source: o.root ? 'given root' : 'chain' }, (r: typeof v & { source: string }) =>
        [`bundle of record ${r.recordId}: ${r.ok ? 'VERIFIED' : 'FAILED'} (root from ${r.source})`, ...checkLines(r.checks)].join('\n'),
      )
      if (!v.ok) process.exitCode = 1
    })

  trace
    .command('root')
    .description("a batch's root as committed on chain (read from the Supervision contract)")
    .argument('<batch>', 'batch number')
    .action(async (batch: string, _o, cmd: Command) => {
      if (!/^[0-9]{1,9}$/.test(batch)) throw new UsageError(`"${batch}" is not a batch number.`)
      const ctx = CliContext.of(cmd)
      const root = await onChainRoot(ctx, Number(batch))
      if (!root) throw new UsageError(`The chain has no committed batch ${batch}.`)
      ctx.out.result({ batch: Number(batch), root }, (r) => `batch ${r.batch}: ${r.root}`)
    })
}

/** A committed batch root read from the chain itself (not from the node's database). */
async function onChainRoot(ctx: CliContext, batch: number): Promise<Hex | undefined> {
  const client = await ctx.client()
  if (BigInt(batch) >= (await client.batchCount())) return undefined
  return (await client.batchRoot(BigInt(batch))).root as Hex
}
