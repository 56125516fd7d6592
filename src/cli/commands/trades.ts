/**
 * The trade protocol from the terminal: list, challenge, order, accept, confirm-download,
 * confirm, decide, timeout, and `trade show` with a trade's full history — through the node's
 * API when it runs one (reads from its indexer), else over JSON-RPC (`ctx.backend()`). The
 * challenge is made and answered locally (randomness, a signature by the seller's key); only
 * its check asks the chain.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { toHex, type Hex } from 'viem'
import { UsageError } from '../../errors/node.ts'
import { signOwnershipProof } from '../../identity/signing.ts'
import { readDeployment } from '../../node/deployment.ts'
import type { ListingView } from '../../sdk/BourseClient.ts'
import { tradeStates, type Trade, type VerdictName } from '../../sdk/trade.ts'
import { CliContext } from '../context.ts'
import { addListingTermOptions, parseListingTerms, type ListingTermOptions } from '../listingTerms.ts'
import { credits, tradeIdHex } from '../output.ts'
import { parseBytes32, parseCredits, parsePositiveInt, parseTradeId } from '../parse.ts'

async function sha256File(path: string): Promise<Hex> {
  if (!existsSync(path)) throw new UsageError(`--file: ${path} does not exist.`)
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return `0x${hash.digest('hex')}`
}

/** The local organisation whose Storage key this node's storage provider serves with. */
function nodeStorageOrg(ctx: CliContext): string {
  const config = ctx.dataDir.readConfig()
  return config.storage?.org ?? config.operator
}

const verdictArg: Record<string, VerdictName> = {
  ok: 'Ok',
  'download-failed': 'DownloadFailed',
  'not-as-described': 'NotAsDescribed',
  'price-abnormal': 'PriceAbnormal',
}

function describeTrade(t: Trade) {
  return {
    id: tradeIdHex(t.id),
    listingId: t.listingId,
    state: tradeStates[t.state],
    price: t.price,
    round: t.round,
    buyer: t.buyer,
    seller: t.seller,
    deadline: new Date(t.deadline * 1000).toISOString(),
  }
}

const showListing = (l: ListingView) =>
  [
    `listing ${l.listingId}: category ${l.category}, seller ${l.seller}${l.closedAt ? ' (closed)' : ''}`,
    `  content hash     ${l.contentHash}`,
    `  min price        ${credits(l.minPrice)}   buyer deposit ${credits(l.buyerDeposit)}   seller deposit ${credits(l.sellerDeposit)}`,
    `  standing deposit ${credits(l.standing)}   ${l.requiresAcceptance ? 'seller accepts each order' : 'orders accepted at once'}`,
    `  storage ${l.storageProvider}   arbitrator ${l.arbitrator}`,
  ].join('\n')

export function tradeCommands(program: Command): void {
  addListingTermOptions(
    program
      .command('list')
      .description('list a data asset for sale (SPEC 2.1), posting the standing deposit')
      .requiredOption('--org <org>', 'local seller organisation')
      .option('--file <path>', 'the asset: its SHA-256 becomes the content commitment')
      .option('--content-hash <hash>', 'content commitment (32-byte hex) instead of --file'),
    { required: true, storageHelp: 'storage provider (default: this node\'s storage provider, config storage.org or the operator)' },
  ).action(async (o: ListingTermOptions & { org: string; file?: string; contentHash?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      if (!o.file === !o.contentHash) throw new UsageError('give exactly one of --file and --content-hash')
      const contentHash = o.file ? await sha256File(o.file) : parseBytes32(o.contentHash!, '--content-hash')
      const terms = await parseListingTerms(ctx, o)
      await ctx.org(o.org) // a clear error for an unknown organisation before anything else
      const input = {
        ...terms,
        contentHash,
        storageProvider: terms.storageProvider ?? (await ctx.roleKey(nodeStorageOrg(ctx), 'Storage')),
        standingDeposit: terms.standingDeposit ?? terms.sellerDeposit * 5n,
      }
      const r = await ctx.backend().list(o.org, input)
      ctx.out.result({ listingId: r.listingId, contentHash, tx: r.hash, gasUsed: r.gasUsed }, (v) => `listed as listing ${v.listingId} (content ${v.contentHash})`)
    })

  const listing = program.command('listing').description('listings: show, close, release the standing deposit')
  listing
    .command('show <id>')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const l = await ctx.backend().listing(BigInt(parsePositiveInt(id, 'listing id')))
      ctx.out.result(l, showListing)
    })
  listing
    .command('all')
    .description('every listing on chain')
    .action(async (_o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const all = await ctx.backend().listings()
      ctx.out.result(all, (v: ListingView[]) => (v.length ? v.map(showListing).join('\n') : 'no listings'))
    })
  listing
    .command('close <id>')
    .requiredOption('--org <org>', 'local seller organisation')
    .action(async (id: string, o: { org: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const r = await ctx.backend().closeListing(o.org, BigInt(parsePositiveInt(id, 'listing id')))
      ctx.out.result({ tx: r.hash }, () => `closed listing ${id}; its standing deposit can be released after the longest trade lifetime`)
    })
  listing
    .command('release <id>')
    .requiredOption('--org <org>', 'local seller organisation')
    .action(async (id: string, o: { org: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const r = await ctx.backend().releaseStanding(o.org, BigInt(parsePositiveInt(id, 'listing id')))
      ctx.out.result({ tx: r.hash }, () => `released the standing deposit of listing ${id}`)
    })

  const challenge = program.command('challenge').description('prove who owns a listing (challenge-response, SPEC 2.2)')
  challenge
    .command('create <listingId>')
    .description('a random challenge for the seller to sign')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const value = toHex(randomBytes(32))
      ctx.out.result({ listingId: id, challenge: value }, (v) => `challenge for listing ${id}: ${v.challenge}\nthe seller answers with: bourse challenge respond ${id} ${v.challenge} --org <seller>`)
    })
  challenge
    .command('respond <listingId> <challenge>')
    .description('sign a challenge with the local seller key')
    .requiredOption('--org <org>', 'local seller organisation')
    .action(async (id: string, value: string, o: { org: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      // A signature by the local key only: the deployment names the EIP-712 domain, no node is asked.
      const deployment = readDeployment(ctx.dataDir)
      const org = await ctx.org(o.org)
      const signature = await signOwnershipProof({
        account: org.key('Seller'),
        chainId: deployment.chainId,
        marketplace: deployment.marketplace,
        listingId: BigInt(parsePositiveInt(id, 'listing id')),
        challenge: parseBytes32(value, 'challenge'),
      })
      ctx.out.result({ signature }, (v) => `signature: ${v.signature}`)
    })
  challenge
    .command('verify <listingId> <challenge> <signature>')
    .description('check the seller\'s answer on chain')
    .action(async (id: string, value: string, signature: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      if (!/^0x([0-9a-fA-F]{2}){1,1024}$/.test(signature)) throw new UsageError(`signature: "${signature}" is not a signature in hex (0x followed by whole bytes).`)
      const ok = await ctx.backend().verifyOwnership(BigInt(parsePositiveInt(id, 'listing id')), parseBytes32(value, 'challenge'), signature as Hex)
      ctx.out.result({ owner: ok }, (v) => (v.owner ? 'verified: the listing\'s seller signed this challenge' : 'NOT verified: this signature is not the listing seller\'s'))
      if (!ok) process.exitCode = 1
    })

  program
    .command('order <listingId>')
    .description('buy one licence at the current round price (never above --max-price)')
    .requiredOption('--org <org>', 'local buyer organisation')
    .requiredOption('--max-price <credits>', 'the most you will pay')
    .action(async (id: string, o: { org: string; maxPrice: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const listingId = BigInt(parsePositiveInt(id, 'listing id'))
      const maxPrice = parseCredits(o.maxPrice, '--max-price')
      await ctx.org(o.org)
      // Through the node's API (POST /v1/orders: the node generates the token), else over JSON-RPC.
      const r = await ctx.backend().order(o.org, listingId, maxPrice)
      ctx.out.result({ ...describeTrade(r.trade), tx: r.hash, gasUsed: r.gasUsed }, (v) =>
        `ordered: trade ${v.id} at ${credits(v.price)} (round ${v.round}), state ${v.state}\nyour download token is saved in ${ctx.dataDir.token(r.trade.id)}`)
    })

  /** A `<name> <tradeId> --org <org>` command. */
  const tradeCommand = (name: string, description: string, role: 'seller' | 'storage provider') =>
    program
      .command(`${name} <tradeId>`)
      .description(description)
      .requiredOption('--org <org>', `local organisation acting as ${role}`)

  tradeCommand('accept', 'the seller accepts an order, locking its deposit', 'seller').action(async (id: string, o: { org: string }, cmd: Command) => {
    const ctx = CliContext.of(cmd)
    const r = await ctx.backend().accept(o.org, parseTradeId(id))
    ctx.out.result({ ...describeTrade(r.trade), tx: r.hash }, (v) => `accepted trade ${v.id}: ${v.state}`)
  })
  tradeCommand('confirm-download', 'the storage provider confirms the buyer\'s download', 'storage provider').action(async (id: string, o: { org: string }, cmd: Command) => {
    const ctx = CliContext.of(cmd)
    const r = await ctx.backend().confirmDownload(o.org, parseTradeId(id))
    ctx.out.result({ ...describeTrade(r.trade), tx: r.hash }, (v) => `download confirmed for trade ${v.id}: ${v.state} until ${v.deadline}`)
  })
  program
    .command('confirm <tradeId> <verdict>')
    .description(`the buyer's verdict: ${Object.keys(verdictArg).join(' | ')}`)
    .requiredOption('--org <org>', 'local buyer organisation')
    .action(async (id: string, verdict: string, o: { org: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const v = verdictArg[verdict]
      if (!v) throw new UsageError(`verdict: "${verdict}" is not one of ${Object.keys(verdictArg).join(', ')}.`)
      const r = await ctx.backend().confirm(o.org, parseTradeId(id), v)
      ctx.out.result({ ...describeTrade(r.trade), closed: r.closed, tx: r.hash }, (x) => `trade ${x.id}: ${x.state}${x.closed ? '' : ' (waiting for the arbitrator)'}`)
    })
  program
    .command('decide <tradeId>')
    .description('the arbitrator decides a dispute: --buyer-right or --buyer-wrong')
    .requiredOption('--org <org>', 'local arbitrator organisation')
    .option('--buyer-right', 'download failed for the arbitrator too / data not as described')
    .option('--buyer-wrong', 'the arbitrator could download / data is as described')
    .action(async (id: string, o: { org: string; buyerRight?: boolean; buyerWrong?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      if (Boolean(o.buyerRight) === Boolean(o.buyerWrong)) throw new UsageError('give exactly one of --buyer-right and --buyer-wrong')
      const r = await ctx.backend().decide(o.org, parseTradeId(id), Boolean(o.buyerRight))
      ctx.out.result({ ...describeTrade(r.trade), tx: r.hash }, (x) => `decided trade ${x.id}: ${x.state}`)
    })
  program
    .command('timeout <tradeId>')
    .description('end a trade whose deadline passed (anyone may)')
    .option('--org <org>', 'local organisation paying for the transaction (any key)')
    .action(async (id: string, o: { org?: string }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const r = await ctx.backend().timeout(o.org ?? ctx.dataDir.readConfig().operator, parseTradeId(id))
      ctx.out.result({ ...describeTrade(r.trade), tx: r.hash }, (x) => `trade ${x.id} timed out: ${x.state}`)
    })

  const trade = program.command('trade').description('inspect trades')
  trade
    .command('show <tradeId>')
    .description('a trade\'s record and full on-chain history')
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const view = await ctx.backend().trade(parseTradeId(id))
      const tokenFile = ctx.dataDir.token(view.trade.id)
      const hasToken = existsSync(tokenFile) && JSON.parse(readFileSync(tokenFile, 'utf8')).token
      ctx.out.result({ ...describeTrade(view.trade), open: view.open, record: view.trade, timeline: view.timeline, tokenHeldLocally: Boolean(hasToken) }, (v) =>
        [
          `trade ${v.id} (listing ${v.listingId}): ${v.state}${v.open ? ` — deadline ${v.deadline}` : ''}`,
          `  price ${credits(v.price)} (round ${v.round}), buyer ${v.buyer}, seller ${v.seller}`,
          ...view.timeline.map((e) => `  ${new Date(e.timestamp * 1000).toISOString()}  block ${e.blockNumber}  ${e.summary}`),
        ].join('\n'),
      )
    })
}

