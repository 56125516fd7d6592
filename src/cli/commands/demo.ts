/**
 * `bourse demo`: a complete trade among local demo organisations on a fresh embedded chain
 * in a temporary data directory, printing each step — then a dispute and a time-out, so a
 * newcomer sees the whole protocol in half a minute.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { parseEther, toHex, type Hex } from 'viem'
import { signOwnershipProof } from '../../identity/signing.ts'
import { BourseNode } from '../../node/BourseNode.ts'
import { DataDir } from '../../node/dataDir.ts'
import { createOrganisation } from '../../node/organisations.ts'
import type { Actor, BourseClient } from '../../sdk/BourseClient.ts'
import { joinAlliance } from '../../sdk/bootstrap.ts'
import { resolutions, tradeStates } from '../../sdk/trade.ts'
import { CliContext } from '../context.ts'
import { credits, tradeIdHex } from '../output.ts'
import { initDataDir } from './node.ts'

const sampleCsv = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom',
].join('\n')

async function balancesLine(client: BourseClient, who: Record<string, Actor>): Promise<string> {
  const parts = await Promise.all(
    Object.entries(who).map(async ([name, a]) => {
      const b = await client.balances(a.address)
      return `${name} ${credits(b.available)}${b.locked ? ` (+${credits(b.locked)} locked)` : ''}`
    }),
  )
  return `    balances: ${parts.join(' | ')}`
}

export async function runDemo(ctx: CliContext, o: { keep?: boolean }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-demo-'))
  const demoCtx = new CliContext({ dataDir: dir, json: ctx.out.json })
  const say = (line: string) => ctx.out.step(line)
  const summary: Record<string, unknown> = { dataDir: dir }
  try {
    say(`1. A fresh data directory ${dir} with an embedded chain; the operator organisation deploys the contracts`)
    await initDataDir(new CliContext({ dataDir: dir, json: true }), { org: 'regulator', chainId: '31337', rpcPort: '0', dev: true, feeBps: '250' })
    const node = await BourseNode.start({ dataDir: demoCtx.dataDir })
    const client = node.client
    say(`   marketplace ${node.deployment.marketplace}, JSON-RPC ${node.rpcUrl}`)
    try {
      say('2. Three companies join: Alpha Retail (seller + storage), Beta Shop (buyer), Delta Arbitration (arbitrator)')
      const dataDir = new DataDir(dir)
      const alpha = (await createOrganisation(dataDir, 'alpha', 'Alpha Retail')).org
      const beta = (await createOrganisation(dataDir, 'beta', 'Beta Shop')).org
      const delta = (await createOrganisation(dataDir, 'delta', 'Delta Arbitration')).org
      const regulator = await demoCtx.org('regulator')
      const supervisor = client.as(regulator.key('Supervisor'))
      await joinAlliance(client, supervisor, { name: 'Alpha Retail', admin: alpha.admin, keys: { Seller: alpha.key('Seller'), Storage: alpha.key('Storage') }, encryptionPublicKey: alpha.encryptionKey.publicKey })
      await joinAlliance(client, supervisor, { name: 'Beta Shop', admin: beta.admin, keys: { Buyer: beta.key('Buyer') }, encryptionPublicKey: beta.encryptionKey.publicKey })
      await joinAlliance(client, supervisor, { name: 'Delta Arbitration', admin: delta.admin, keys: { Arbitrator: delta.key('Arbitrator') }, encryptionPublicKey: delta.encryptionKey.publicKey })
      say('   each applied with its roles, the regulator (supervisor) admitted it, and it bound one key per role')

      const seller = client.as(alpha.key('Seller'))
      const storage = client.as(alpha.key('Storage'))
      const buyer = client.as(beta.key('Buyer'))
      const arbitrator = client.as(delta.key('Arbitrator'))
      const platform = client.as(regulator.key('Platform'))
      const who = { seller, buyer, storage, arbitrator, platform }
      const governance = client.as(regulator.admin)
      for (const a of [seller, buyer]) {
        await governance.mint(a.address, parseEther('1000'))
        await a.approve(parseEther('1000'))
        await a.deposit(parseEther('500'))
      }
      say('3. The alliance treasury issues 1,000 credits each to the seller and buyer keys; each deposits 500 into the marketplace')
      say(await balancesLine(client, who))

      const file = join(dir, 'orders-sample.csv')
      writeFileSync(file, sampleCsv)
      const contentHash = `0x${createHash('sha256').update(sampleCsv).digest('hex')}` as Hex
      const { listingId, gasUsed: listGas } = await seller.list({
        category: 1,
        contentHash,
        storageProvider: storage.address,
        arbitrator: arbitrator.address,
        minPrice: parseEther('100'),
        buyerDeposit: parseEther('10'),
        sellerDeposit: parseEther('20'),
        standingDeposit: parseEther('100'),
        quantity: 100,
        requiresAcceptance: false,
        dataType: 'text/csv',
        description: 'Daily order lines of a UK online retailer',
        sampleURI: '',
      })
      say(`4. Alpha lists its order data as listing ${listingId}: content SHA-256 ${contentHash.slice(0, 18)}…, min price 100, deposits 10 (buyer) / 20 (seller), standing deposit 100 (${listGas} gas)`)

      const challenge = toHex(randomBytes(32))
      const signature = await signOwnershipProof({ account: alpha.key('Seller'), chainId: client.deployment.chainId, marketplace: client.deployment.marketplace, listingId, challenge })
      const owner = await client.verifyOwnership(listingId, challenge, signature)
      const impostor = await signOwnershipProof({ account: beta.key('Buyer'), chainId: client.deployment.chainId, marketplace: client.deployment.marketplace, listingId, challenge })
      say(`5. Beta challenges the seller: Alpha's signature verifies on chain: ${owner}; anyone else's: ${await client.verifyOwnership(listingId, challenge, impostor)}`)

      const token = toHex(randomBytes(32))
      const ordered = await buyer.order({ listingId, maxPrice: parseEther('200'), token })
      say(`6. Beta orders with max price 200: priced at the round price ${credits(ordered.trade.price)} (round ${ordered.trade.round}); trade ${tradeIdHex(ordered.trade.id)} is ${tradeStates[ordered.trade.state]} (standing deposit covers the seller) — ${ordered.gasUsed} gas`)
      say(await balancesLine(client, who))
      const downloaded = await storage.confirmDownload(ordered.trade)
      say(`7. Beta downloads with its token; Alpha's storage provider confirms the download on chain (${downloaded.gasUsed} gas)`)
      const settled = await buyer.confirm(downloaded.trade, 'Ok')
      say(`8. Beta confirms OK: ${tradeStates[settled.trade.state]} — seller paid minus the 2.5% platform fee, buyer deposit back (${settled.gasUsed} gas)`)
      say(await balancesLine(client, who))
      const lifecycleGas = ordered.gasUsed + downloaded.gasUsed + settled.gasUsed
      say(`   whole trade: ${lifecycleGas} gas (seed 001's lifecycle: 167,036)`)

      const second = await buyer.order({ listingId, maxPrice: parseEther('200'), token: toHex(randomBytes(32)) })
      const d2 = await storage.confirmDownload(second.trade)
      const disputed = await buyer.confirm(d2.trade, 'NotAsDescribed')
      say(`9. A second trade: Beta claims the data is not as described -> ${tradeStates[disputed.trade.state]}`)
      const decided = await arbitrator.decideDispute(disputed.trade, false)
      say(`10. Delta checks the data against its description: it matches, so Beta's deposit is forfeited and shared (seller 50%, arbitrator 20%, storage 15%, platform 15%) -> ${tradeStates[decided.trade.state]}`)
      say(await balancesLine(client, who))

      const third = await buyer.order({ listingId, maxPrice: parseEther('200'), token: toHex(randomBytes(32)) })
      say(`11. A third trade whose download is never confirmed; one day passes…`)
      await node.connection.embedded!.increaseTime(node.deployment.windows.download + 1)
      const timedOut = await buyer.resolveTimeout(third.trade)
      const closed = (await client.trade(third.trade.id)).timeline.at(-1)
      say(`    anyone may now end it: ${tradeStates[timedOut.trade.state]} (${closed?.summary})`)
      say(await balancesLine(client, who))

      const history = await client.trade(ordered.trade.id)
      say(`12. The first trade's history, from the chain:`)
      for (const e of history.timeline) say(`    block ${e.blockNumber}: ${e.summary}`)
      say(`Done. ${o.keep ? `The data directory is kept: bourse --data-dir ${dir} up` : 'Run `npx bourse up` to start a node of your own.'}`)
      Object.assign(summary, {
        listingId,
        trades: { settled: tradeIdHex(settled.trade.id), disputed: tradeIdHex(decided.trade.id), timedOut: tradeIdHex(timedOut.trade.id) },
        lifecycleGas,
        resolutions: [resolutions[0], 'DescriptionMatch', 'DownloadTimeout'],
      })
    } finally {
      await node.stop()
    }
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true })
  }
  return summary
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a complete trade, a dispute and a time-out among demo organisations on a throw-away chain')
    .option('--keep', 'keep the temporary data directory')
    .action(async (o: { keep?: boolean }, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const summary = await runDemo(ctx, o)
      ctx.out.result(summary, () => '')
    })
}
