/**
 * `bourse init`, `up`, `stop`, `status`: create a data directory and run its node.
 */
import { spawn } from 'node:child_process'
import { openSync } from 'node:fs'
import { join } from 'node:path'
import { Command, Option } from 'commander'
import cliProgress from 'cli-progress'
import { NodeAlreadyRunningError, NodeDidNotStopError, UsageError } from '../../errors/node.ts'
import { BourseNode, runningNode } from '../../node/BourseNode.ts'
import type { DataDir, NodeConfig } from '../../node/dataDir.ts'
import { createOrganisation } from '../../node/organisations.ts'
import { CliContext } from '../context.ts'
import { parseDuration, parseUint } from '../parse.ts'

interface InitOptions {
  org: string
  chainId: string
  rpcUrl?: string
  rpcPort: string
  dev?: boolean
  feeBps: string
  acceptWindow?: string
  downloadWindow?: string
  confirmWindow?: string
  arbitrationWindow?: string
}

/** Creates config.json and the operator organisation's keystore. */
export async function initDataDir(ctx: CliContext, o: InitOptions): Promise<NodeConfig> {
  if (ctx.dataDir.exists()) throw new UsageError(`${ctx.dataDir.root} is already initialised.`, { details: 'Use another --data-dir, or start it with `bourse up`.' })
  const windows = {
    ...(o.acceptWindow && { accept: parseDuration(o.acceptWindow, '--accept-window') }),
    ...(o.downloadWindow && { download: parseDuration(o.downloadWindow, '--download-window') }),
    ...(o.confirmWindow && { confirm: parseDuration(o.confirmWindow, '--confirm-window') }),
    ...(o.arbitrationWindow && { arbitration: parseDuration(o.arbitrationWindow, '--arbitration-window') }),
  }
  const config: NodeConfig = {
    version: 1,
    operator: o.org,
    chain: {
      mode: o.rpcUrl ? 'external' : 'embedded',
      chainId: parseUint(o.chainId, '--chain-id'),
      ...(o.rpcUrl && { rpcUrl: o.rpcUrl }),
      rpcHost: '127.0.0.1',
      rpcPort: parseUint(o.rpcPort, '--rpc-port', 65535),
      freeGas: true,
      devMethods: Boolean(o.dev),
    },
    market: { feeBps: parseUint(o.feeBps, '--fee-bps', 1000), windows },
  }
  const { org, mnemonic } = await createOrganisation(ctx.dataDir, o.org, o.org)
  await ctx.dataDir.writeConfig(config)
  ctx.out.step(`initialised ${ctx.dataDir.root} (operator organisation "${o.org}", ${config.chain.mode} chain ${config.chain.chainId})`)
  if (!ctx.out.json) {
    ctx.out.step(`operator identity ${org.admin.address}`)
    ctx.out.step(`recovery words of "${o.org}" (write them down, shown once):\n  ${mnemonic}`)
  }
  return config
}

function addInitOptions(cmd: Command): Command {
  return cmd
    .option('--org <name>', 'name of the operator organisation (governance, platform, first supervisor)', 'operator')
    .option('--chain-id <id>', 'chain id of a new embedded chain', '31337')
    .option('--rpc-url <url>', 'use an external EVM JSON-RPC chain instead of the embedded one')
    .option('--rpc-port <port>', 'port of the JSON-RPC endpoint served by the embedded chain', '8545')
    .option('--dev', 'allow time travel (evm_increaseTime) on the embedded chain: demos and tests only')
    .option('--fee-bps <bps>', 'platform fee in basis points (at most 1000)', '250')
    .option('--accept-window <duration>', 'how long a seller has to accept (default 1d)')
    .option('--download-window <duration>', 'how long a download may take (default 1d)')
    .option('--confirm-window <duration>', 'how long a buyer has to confirm (default 3d)')
    .option('--arbitration-window <duration>', 'how long an arbitrator has to decide (default 7d)')
}

interface UpOptions {
  detach?: boolean
  rpcPort?: string
  /** false with --no-api. */
  api?: boolean
  apiPort?: string
  apiHost?: string
  database?: string
}

async function up(ctx: CliContext, o: UpOptions): Promise<void> {
  if (!ctx.dataDir.exists()) {
    ctx.out.step(`no data directory at ${ctx.dataDir.root}: creating a development one (embedded chain, time travel allowed)`)
    await initDataDir(ctx, { org: 'operator', chainId: '31337', rpcPort: '8545', dev: true, feeBps: '250' })
  }
  if (o.detach) return detach(ctx, o)
  const bar = ctx.out.json ? undefined : new cliProgress.SingleBar({ format: 'replaying chain journal [{bar}] {value}/{total} blocks', hideCursor: true }, cliProgress.Presets.shades_classic)
  let barStarted = false
  const node = await BourseNode.start({
    dataDir: ctx.dataDir,
    overrides: o.rpcPort ? { rpcPort: parseUint(o.rpcPort, '--rpc-port', 65535) } : undefined,
    api: { api: o.api, apiPort: o.apiPort, apiHost: o.apiHost },
    services: true,
    database: o.database,
    log: (line) => ctx.out.step(line),
    onReplayProgress: (done, total) => {
      if (!bar || total < 2000) return
      if (!barStarted) { bar.start(total, 0); barStarted = true }
      bar.update(done)
      if (done >= total) bar.stop()
    },
  })
  if (barStarted) bar?.stop()
  ctx.out.result(
    { rpcUrl: node.rpcUrl, apiUrl: node.apiServer?.url, chainId: node.connection.chain.id, deployment: node.deployment, pid: process.pid },
    (v) =>
      [
        `databourse node running (pid ${v.pid})`,
        `  data directory  ${ctx.dataDir.root}`,
        `  JSON-RPC        ${v.rpcUrl}  (chain id ${v.chainId}; any Ethereum tool can connect)`,
        ...(v.apiUrl ? [`  HTTP API        ${v.apiUrl}  (docs ${v.apiUrl}/docs)`] : []),
        `  marketplace     ${v.deployment.marketplace}`,
        '',
        'Next, in another terminal:',
        '  npx bourse demo                       run a complete trade among demo organisations',
        '  npx bourse org create alpha --roles seller,storage   add an organisation of your own',
        '  npx bourse --help                     every command',
        'Stop with Ctrl-C or `npx bourse stop`.',
      ].join('\n'),
  )
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    ctx.out.step(`${signal}: stopping…`)
    await node.stop()
    ctx.out.step('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}

/** Starts `bourse up` as a background process logging to <dataDir>/node.log. */
async function detach(ctx: CliContext, o: UpOptions): Promise<void> {
  const running = runningNode(ctx.dataDir)
  if (running) throw new NodeAlreadyRunningError({ dataDir: ctx.dataDir.root, pid: running.pid })
  const logFile = join(ctx.dataDir.root, 'node.log')
  const out = openSync(logFile, 'a')
  const args = [
    process.argv[1]!, '--data-dir', ctx.dataDir.root, 'up',
    ...(o.rpcPort ? ['--rpc-port', o.rpcPort] : []),
    ...(o.api === false ? ['--no-api'] : []),
    ...(o.apiPort ? ['--api-port', o.apiPort] : []),
    ...(o.apiHost ? ['--api-host', o.apiHost] : []),
    ...(o.database ? ['--database', o.database] : []),
  ]
  const child = spawn(process.execPath, [...process.execArgv, ...args], { detached: true, stdio: ['ignore', out, out] })
  child.unref()
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100))
    const info = runningNode(ctx.dataDir)
    if (info && info.pid === child.pid) {
      ctx.out.result({ pid: info.pid, rpcUrl: info.rpcUrl, apiUrl: info.apiUrl, log: logFile }, (v) =>
        `databourse node started in the background (pid ${v.pid}), JSON-RPC ${v.rpcUrl}${v.apiUrl ? `, HTTP API ${v.apiUrl}` : ''}, log ${v.log}`)
      return
    }
    if (child.exitCode !== null) break
  }
  throw new UsageError(`The node did not start; see ${logFile}.`)
}

async function stop(ctx: CliContext): Promise<void> {
  const info = runningNode(ctx.dataDir)
  if (!info) {
    ctx.out.result({ stopped: false }, () => `no node is running for ${ctx.dataDir.root}`)
    return
  }
  process.kill(info.pid, 'SIGTERM')
  for (let i = 0; i < 300 && runningNode(ctx.dataDir); i++) await new Promise((r) => setTimeout(r, 100))
  if (runningNode(ctx.dataDir)) throw new NodeDidNotStopError({ pid: info.pid, logFile: join(ctx.dataDir.root, 'node.log'), seconds: 30 })
  ctx.out.result({ stopped: true, pid: info.pid }, (v) => `stopped node (pid ${v.pid})`)
}

async function status(ctx: CliContext): Promise<void> {
  const config = ctx.dataDir.readConfig()
  const info = runningNode(ctx.dataDir)
  let head: { number: bigint; hash: string } | undefined
  if (info || config.chain.mode === 'external') {
    const client = await ctx.client()
    const block = await client.publicClient.getBlock()
    head = { number: block.number, hash: block.hash }
  }
  ctx.out.result({ dataDir: ctx.dataDir.root, running: Boolean(info), pid: info?.pid, rpcUrl: info?.rpcUrl ?? config.chain.rpcUrl, chain: config.chain, head }, (v) =>
    [
      `data directory ${v.dataDir}`,
      `node           ${v.running ? `running (pid ${v.pid}) at ${v.rpcUrl}` : 'stopped'}`,
      `chain          ${v.chain.mode}, id ${v.chain.chainId}${v.chain.devMethods ? ', time travel allowed' : ''}`,
      ...(v.head ? [`head block     ${v.head.number} ${v.head.hash}`] : []),
    ].join('\n'),
  )
}

export function nodeCommands(program: Command): void {
  addInitOptions(program.command('init').description('create a data directory with the operator organisation\'s keys')).action(async (o: InitOptions, cmd: Command) => {
    const ctx = CliContext.of(cmd)
    const config = await initDataDir(ctx, o)
    ctx.out.result({ dataDir: ctx.dataDir.root, config }, () => 'Next: `npx bourse up` starts the node.')
  })
  program
    .command('up')
    .description('start the node: chain, contracts, JSON-RPC (initialises a development data directory if there is none)')
    .option('--detach', 'run in the background')
    .addOption(new Option('--rpc-port <port>', 'override the JSON-RPC port'))
    .option('--api-port <port>', 'HTTP API port (env BOURSE_API_PORT; config api.port; default 8080)')
    .option('--api-host <host>', 'HTTP API address (env BOURSE_API_HOST; config api.host; default 127.0.0.1)')
    .option('--no-api', 'do not serve the HTTP API (env BOURSE_API=0; config api.enabled)')
    .option('--database <url|path>', 'off-chain database: postgres://… or a SQLite path (env BOURSE_DATABASE; config database; default <data-dir>/bourse.sqlite)')
    .action(async (o, cmd: Command) => up(CliContext.of(cmd), o))
  program.command('stop').description('stop the running node').action(async (_o, cmd: Command) => stop(CliContext.of(cmd)))
  program.command('status').description('show the node and chain status').action(async (_o, cmd: Command) => status(CliContext.of(cmd)))
}
