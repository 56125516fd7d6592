/**
 * `bourse tee …` and `bourse enclave …`: confidential computing from the terminal (SPEC.md
 * section 5).
 *
 * - `tee status`: the node's enclave runtime — platform, SIMULATED or not, attestation
 *   policy, measurement and its on-chain approval.
 * - `tee import <file> --org --name`: the trusted data gateway, on this machine: reads the
 *   owner's order file (the Online Retail format, CSV or gzip), pseudonymises customer ids with
 *   the organisation's keyed hash and writes the dataset encrypted for enclaves.
 * - `tee audience <file> --org --name`: a buyer's customer list (one id per line), encrypted
 *   for enclaves.
 * - `tee run <kind> --org …`: a job on the node's enclave, signed by the organisation; prints
 *   the result, its enclave signature and the transaction that anchored it.
 * - `tee job <job-id>`: an anchored job as the chain records it.
 * - `enclave propose|approve|revoke|show`: the on-chain governance of measurements.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, Option } from 'commander'
import type { Hex } from 'viem'
import { UsageError } from '../../errors/node.ts'
import { approveMeasurement, jobKinds, measurementIdOf, measurementOf, proposeMeasurement, revokeMeasurement, type JobKind } from '../../sdk/enclaves.ts'
import { loadOrCreateMasterKey } from '../../storage/keyWrap.ts'
import { OwnerData } from '../../tee/OwnerData.ts'
import type { TeePlatform } from '../../tee/evidence/types.ts'
import { CliContext } from '../context.ts'
import { memberKey } from '../memberKey.ts'

const bytes32 = (what: string) => (v: string): Hex => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`"${v}" is not a ${what}: 0x and 64 hex digits.`)
  return v.toLowerCase() as Hex
}
const NAME = /^[A-Za-z0-9._-]{1,64}$/
const nameArg = (what: string) => (v: string): string => {
  if (!NAME.test(v)) throw new UsageError(`${what} "${v}" must be 1-64 letters, digits, dot, dash or underscore.`)
  return v
}
const positiveInt = (what: string, max: number) => (v: string): number => {
  if (!/^[0-9]{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`${what} must be an integer from 1 to ${max}, not "${v}".`)
  return Number(v)
}

/** The organisation's enclave data, in the layout the node uses (src/tee/OwnerData.ts). */
async function ownerData(ctx: CliContext, org: string): Promise<OwnerData> {
  await ctx.org(org) // refuses an unknown organisation by name
  return new OwnerData({ teeDir: join(ctx.dataDir.root, 'tee'), org, masterKey: await loadOrCreateMasterKey(ctx.dataDir.masterKey) })
}

interface JobResult {
  jobId: string; kind: string; measurement: string; resultHash: string; enclaveAddress: string; transactionHash: string; simulated: boolean; policy: string; stagesMs: Record<string, number>; result: unknown
}

export function teeCommands(program: Command): void {
  const tee = program.command('tee').description('confidential computing: the enclave runtime, the data gateway and enclave jobs')

  tee
    .command('status')
    .description('the node\'s enclave runtime: platform (SIMULATED or hardware), attestation policy, measurement and its approval')
    .action(async (_o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const s = await ctx.api().call<{ platform: string; simulated: boolean; policy: string; warning?: string; measurement: string; measurementId: string; approvedFor: string[] }>('GET', '/v1/tee/status')
      ctx.out.result(s, (v: typeof s) =>
        [
          ...(v.warning ? [`WARNING: ${v.warning}`] : []),
          `platform ${v.platform}${v.simulated ? ' (SIMULATED)' : ''}, policy ${v.policy}`,
          `measurement ${v.measurement} (id ${v.measurementId})`,
          `approved on chain for: ${v.approvedFor.join(', ') || 'nothing'}`,
        ].join('\n'),
      )
    })

  tee
    .command('import')
    .description('gateway: read an order file (Online Retail format, CSV or gzip), pseudonymise customer ids, encrypt the dataset for enclaves')
    .argument('<file>', 'the order file')
    .requiredOption('--org <name>', 'local organisation that owns the data')
    .requiredOption('--name <dataset>', 'dataset name', nameArg('dataset name'))
    .option('--country <country>', 'keep only rows of this country (one member\'s share)')
    .action(async (file: string, o: { org: string; name: string; country?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const data = await ownerData(ctx, o.org)
      const result = await data.importDataset({ path: file, name: o.name, replace: false, keep: o.country ? (fields) => fields[7] === o.country : undefined })
      ctx.out.result({ ...result, name: o.name, org: o.org }, (r: typeof result & { name: string; org: string }) =>
        [
          `dataset ${o.name} of ${o.org}: ${r.rows.toLocaleString('en')} rows, ${r.customers.toLocaleString('en')} pseudonymised customers, encrypted for enclaves (${r.bytes.toLocaleString('en')} bytes)`,
          `content hash ${r.contentHash}`,
          ...(r.badRowCount ? [`${r.badRowCount} rows left out:`, ...r.badRows.slice(0, 10).map((b) => `  line ${b.line}: ${b.reason}`)] : []),
        ].join('\n'),
      )
    })

  tee
    .command('audience')
    .description('encrypt a customer list (one id per line) for enclaves, for an audience-overlap job')
    .argument('<file>', 'text file, one customer id per line')
    .requiredOption('--org <name>', 'local organisation that owns the list')
    .requiredOption('--name <list>', 'list name', nameArg('list name'))
    .action(async (file: string, o: { org: string; name: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const data = await ownerData(ctx, o.org)
      const ids = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
      if (ids.length === 0) throw new UsageError(`${file} holds no customer id.`)
      await data.writeAudience(o.name, ids, { replace: false })
      ctx.out.result({ org: o.org, name: o.name, entries: ids.length }, (r) => `audience list ${r.name} of ${r.org}: ${r.entries} ids, encrypted for enclaves`)
    })

  tee
    .command('run')
    .description('run a job in the node\'s attested enclave; the signed result is anchored on chain')
    .addArgument(new Command().createArgument('<kind>', 'rfm | authenticity | overlap | train | predict').choices(['rfm', 'authenticity', 'overlap', 'train', 'predict']))
    .requiredOption('--org <name>', 'local organisation requesting (owner of the data)')
    .option('--dataset <name>', 'dataset (rfm, authenticity, overlap); for train: comma-separated datasets of --org')
    .option('--claimed <file>', 'authenticity: the tag set the seller claims (JSON, as rfm returns it)')
    .option('--audience <list>', 'overlap: the audience list name')
    .option('--min-group <n>', 'overlap: smallest group reported', positiveInt('--min-group', 1_000_000), 50)
    .addOption(new Option('--group-by <what>', 'overlap: segment or category; train: country or all').choices(['segment', 'category', 'country', 'all']))
    .option('--model <name>', 'train, predict: model name', nameArg('model name'))
    .option('--member <member>', 'predict: which member series')
    .option('--horizon <days>', 'predict: days ahead', positiveInt('--horizon', 366), 14)
    .action(async (kind: string, o: { org: string; dataset?: string; claimed?: string; audience?: string; minGroup: number; groupBy?: string; model?: string; member?: string; horizon: number }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const need = (value: string | undefined, flag: string): string => {
        if (!value) throw new UsageError(`tee run ${kind} needs ${flag}.`)
        return value
      }
      const spec =
        kind === 'rfm' ? { kind: 'RfmTags', owner: o.org, dataset: need(o.dataset, '--dataset') }
        : kind === 'authenticity' ? { kind: 'TagAuthenticity', owner: o.org, dataset: need(o.dataset, '--dataset'), claimed: JSON.parse(readFileSync(need(o.claimed, '--claimed'), 'utf8')) as unknown }
        : kind === 'overlap' ? { kind: 'AudienceOverlap', owner: o.org, dataset: need(o.dataset, '--dataset'), buyer: o.org, audience: need(o.audience, '--audience'), minGroupSize: o.minGroup, groupBy: o.groupBy === 'category' ? 'category' : 'segment' }
        : kind === 'train' ? { kind: 'ForecastTraining', datasets: need(o.dataset, '--dataset').split(',').map((d) => ({ owner: o.org, dataset: d.trim(), member: d.trim() })), groupBy: o.groupBy === 'all' ? 'all' : 'country', modelName: need(o.model, '--model') }
        : { kind: 'ForecastPrediction', modelName: need(o.model, '--model'), member: need(o.member, '--member'), horizon: o.horizon }
      const r = await ctx.api().call<JobResult>('POST', '/v1/tee/jobs', { as: await memberKey(ctx, o.org), body: spec })
      ctx.out.result(r, (v: JobResult) =>
        [
          `${v.kind} job ${v.jobId}${v.simulated ? ' — SIMULATED enclave' : ''} (policy ${v.policy})`,
          `measurement ${v.measurement}, signed by enclave key ${v.enclaveAddress}`,
          `result hash ${v.resultHash}, anchored in ${v.transactionHash}`,
          `stages (ms): ${Object.entries(v.stagesMs).map(([k, ms]) => `${k} ${Math.round(ms)}`).join(', ')}`,
          JSON.stringify(v.result, null, 2).split('\n').slice(0, 40).join('\n'),
        ].join('\n'),
      )
    })

  tee
    .command('job')
    .description('an anchored job as the chain records it')
    .argument('<job-id>', 'job id (0x…)', bytes32('job id'))
    .action(async (jobId: Hex, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const r = await ctx.api().call<Record<string, unknown>>('GET', `/v1/tee/jobs/${jobId}`)
      ctx.out.result(r, (v) => Object.entries(v).map(([k, x]) => `${k}: ${String(x)}`).join('\n'))
    })

  const enclave = program.command('enclave').description('on-chain governance of enclave measurements (EnclaveRegistry)')
  const platforms = ['simulated', 'sgx-dcap', 'nitro', 'sev-snp']
  enclave
    .command('propose')
    .description('governance proposes a measurement for job kinds (a supervisor must approve it)')
    .addOption(new Option('--platform <platform>', 'TEE platform').choices(platforms).makeOptionMandatory())
    .requiredOption('--measurement <hex>', 'MRENCLAVE (sgx-dcap), PCR0 (nitro), MEASUREMENT (sev-snp) or image hash (simulated)')
    .option('--jobs <kinds>', `comma-separated job kinds (${jobKinds.join(', ')})`, jobKinds.join(','))
    .requiredOption('--name <text>', 'what the build is (version, source tag)')
    .action(async (o: { platform: TeePlatform; measurement: string; jobs: string; name: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      if (!/^0x([0-9a-fA-F]{64}|[0-9a-fA-F]{96})$/.test(o.measurement)) throw new UsageError(`--measurement must be 0x and 64 or 96 hex digits, not "${o.measurement}".`)
      const kinds = o.jobs.split(',').map((k) => k.trim())
      const unknown = kinds.filter((k) => !(jobKinds as readonly string[]).includes(k))
      if (unknown.length) throw new UsageError(`Unknown job kind ${unknown.join(', ')} (known: ${jobKinds.join(', ')}).`)
      const client = await ctx.client()
      const operator = await ctx.org(ctx.dataDir.readConfig().operator)
      const r = await proposeMeasurement(client, operator.admin, { platform: o.platform, measurement: o.measurement.toLowerCase() as Hex, jobKinds: kinds as JobKind[], name: o.name })
      ctx.out.result({ measurementId: r.measurementId, tx: r.hash }, (v) => `proposed measurement ${v.measurementId}; a supervisor approves it with: bourse enclave approve ${v.measurementId} --org <supervisor org>`)
    })
  enclave
    .command('approve')
    .description('a supervisor approves a proposed measurement')
    .argument('<measurement-id>', 'measurement id (0x…)', bytes32('measurement id'))
    .requiredOption('--org <name>', 'local supervisor organisation')
    .action(async (id: Hex, o: { org: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const [client, org] = await Promise.all([ctx.client(), ctx.org(o.org)])
      const r = await approveMeasurement(client, org.key('Supervisor'), id)
      ctx.out.result({ measurementId: id, tx: r.hash }, (v) => `approved ${v.measurementId}`)
    })
  enclave
    .command('revoke')
    .description('governance (the operator) or a supervisor revokes a measurement')
    .argument('<measurement-id>', 'measurement id (0x…)', bytes32('measurement id'))
    .requiredOption('--reason <text>', 'why (recorded on chain)')
    .option('--org <name>', 'local supervisor organisation (default: the operator as governance)')
    .action(async (id: Hex, o: { org?: string; reason: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const client = await ctx.client()
      const account = o.org ? (await ctx.org(o.org)).key('Supervisor') : (await ctx.org(ctx.dataDir.readConfig().operator)).admin
      const r = await revokeMeasurement(client, account, id, o.reason)
      ctx.out.result({ measurementId: id, tx: r.hash }, (v) => `revoked ${v.measurementId}`)
    })
  enclave
    .command('show')
    .description('a measurement as recorded on chain')
    .argument('<measurement>', 'measurement id (0x + 64 hex), or --platform with the raw measurement')
    .addOption(new Option('--platform <platform>', 'treat the argument as the raw measurement of this platform').choices(platforms))
    .action(async (value: string, o: { platform?: TeePlatform }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const id = o.platform ? measurementIdOf(o.platform, value as Hex) : bytes32('measurement id')(value)
      const record = await measurementOf(await ctx.client(), id)
      ctx.out.result({ measurementId: id, ...record }, (v) => `${v.measurementId}: ${v.status}${v.status === 'None' ? '' : ` (${v.platform}, jobs ${v.jobKinds.join(', ')}${v.approvedBy !== '0x0000000000000000000000000000000000000000' ? `, approved by ${v.approvedBy}` : ''})`}`)
      if (record.status === 'None') process.exitCode = 1
    })
}
