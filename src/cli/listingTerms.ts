/**
 * The listing terms shared by `bourse list` and `bourse upload --list`: one set of options,
 * one parser, so both commands take and check them the same way.
 */
import type { Command } from 'commander'
import type { Address } from 'viem'
import type { CliContext } from './context.ts'
import { parseCredits, parsePositiveInt, parseUint } from './parse.ts'

/** The options as commander hands them over. */
export interface ListingTermOptions {
  category?: string
  minPrice?: string
  buyerDeposit: string
  sellerDeposit: string
  standing?: string
  quantity: string
  storage?: string
  arbitrator?: string
  requiresAcceptance?: boolean
  type: string
  description: string
  sample: string
}

/** The parsed terms; `storage` and `standingDeposit` stay unset when not given. */
export interface ListingTerms {
  category: number
  storageProvider?: Address
  arbitrator: Address
  minPrice: bigint
  buyerDeposit: bigint
  sellerDeposit: bigint
  standingDeposit?: bigint
  quantity: number
  requiresAcceptance: boolean
  dataType: string
  description: string
  sampleURI: string
}

/**
 * Adds the listing options. With `required`, category, minimum price and arbitrator are
 * required options (`bourse list`); otherwise the command checks them (`upload --list`).
 */
export function addListingTermOptions(cmd: Command, { required, storageHelp }: { required: boolean; storageHelp: string }): Command {
  const option = (flags: string, help: string) => (required ? cmd.requiredOption(flags, help) : cmd.option(flags, `${help} (with --list)`))
  option('--category <n>', 'data category id')
  option('--min-price <credits>', 'lowest unit price accepted')
  cmd
    .option('--buyer-deposit <credits>', 'deposit each buyer posts', '10')
    .option('--seller-deposit <credits>', 'deposit backing each trade', '20')
    .option('--standing <credits>', 'standing deposit posted now (>= seller deposit; default 5 x seller deposit)')
    .option('--quantity <n>', 'licences offered (supply)', '100')
    .option('--storage <org|address>', storageHelp)
  option('--arbitrator <org|address>', 'arbitrator organisation or key')
  return cmd
    .option('--requires-acceptance', 'accept each order by hand instead of at once')
    .option('--type <mime>', 'data type', 'text/csv')
    .option('--description <text>', 'what the data is', '')
    .option('--sample <uri>', 'free sample URI', '')
}

/** Parses the terms; every bad value is a UsageError naming its option. */
export async function parseListingTerms(ctx: CliContext, o: ListingTermOptions): Promise<ListingTerms> {
  return {
    category: parseUint(o.category ?? '', '--category'),
    ...(o.storage && { storageProvider: await ctx.roleKey(o.storage, 'Storage') }),
    arbitrator: await ctx.roleKey(o.arbitrator ?? '', 'Arbitrator'),
    minPrice: parseCredits(o.minPrice ?? '', '--min-price'),
    buyerDeposit: parseCredits(o.buyerDeposit, '--buyer-deposit'),
    sellerDeposit: parseCredits(o.sellerDeposit, '--seller-deposit'),
    ...(o.standing && { standingDeposit: parseCredits(o.standing, '--standing') }),
    quantity: parsePositiveInt(o.quantity, '--quantity'),
    requiresAcceptance: Boolean(o.requiresAcceptance),
    dataType: o.type,
    description: o.description,
    sampleURI: o.sample,
  }
}
