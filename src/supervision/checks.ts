/**
 * Pre-chain checks (SPEC.md section 4): before a record is accepted, its fields are checked
 * against its link's rules — required fields, formats, allowed values — and against the
 * on-chain trade it describes. A failing record gets the rule it broke, the field and a reason;
 * it is stored as a rejection for supervisors and never anchored.
 *
 * Rules, by name:
 * - `required-field`, `format`, `allowed-values`, `unknown-field`: the link's schema (links.ts);
 * - `channel`: the channel is a known trade;
 * - `link-order`: match after access; implementation, service and settlement after match; one
 *   record per link of a trade, except data service, which repeats (each download served, each
 *   compute job); a second draft with the same source is a duplicate, not a rejection;
 * - `trade-consistency`: a field disagrees with the trade or listing as the chain has them.
 */
import type { z } from 'zod'
import { fieldsValid } from './compiledSchemas.ts'
import { linkSchemas, type Link, type RecordDraft } from './links.ts'

/** What the chain (via the indexer) says about the trade a record describes. */
export interface TradeFacts {
  channelId: bigint
  buyer: string
  seller: string
  storageProvider: string
  price: bigint
  /** Set once the trade closed. */
  platformFee: bigint | null
  sellerPayout: bigint | null
  contentHash: string
  minPrice: bigint
  /** Unix seconds. */
  openedAt: number
}

export type CheckResult = { ok: true } | { ok: false; rule: string; field: string | null; reason: string }

/** Links a trade may have several records of. */
const REPEATABLE: ReadonlySet<Link> = new Set(['service'])

const PREREQUISITE: Record<Link, Link | undefined> = {
  access: undefined,
  match: 'access',
  implementation: 'match',
  service: 'match',
  settlement: 'match',
}

/**
 * Checks a draft. `linksSoFar` are the links already accepted in its channel.
 *
 * @example
 * const r = checkRecord(draft, facts, new Set(['access']))
 * if (!r.ok) console.log(`${r.rule}: ${r.field}: ${r.reason}`)
 */
export function checkRecord(draft: RecordDraft, facts: TradeFacts | undefined, linksSoFar: ReadonlySet<Link>): CheckResult {
  const schemas = linkSchemas[draft.link as Link]
  if (!schemas) return { ok: false, rule: 'allowed-values', field: 'link', reason: `unknown link "${String(draft.link)}"` }
  for (const part of ['public', 'private'] as const) {
    const fields = part === 'public' ? draft.publicFields : draft.privateFields
    // The compiled validator accepts or not; zod, the schemas' definition, names what is wrong.
    if (fieldsValid(draft.link, part, fields)) continue
    const parsed = schemas[part].safeParse(fields)
    if (!parsed.success) return schemaFailure(part, parsed.error)
  }
  if (!facts || facts.channelId !== draft.channelId) return { ok: false, rule: 'channel', field: 'channelId', reason: `no trade 0x${draft.channelId.toString(16)} is known on chain` }
  if (linksSoFar.has(draft.link) && !REPEATABLE.has(draft.link)) return { ok: false, rule: 'link-order', field: 'link', reason: `the ${draft.link} record of this trade was already accepted` }
  const before = PREREQUISITE[draft.link]
  if (before && !linksSoFar.has(before)) return { ok: false, rule: 'link-order', field: 'link', reason: `a ${draft.link} record needs the trade's ${before} record first` }
  return consistency(draft, facts)
}

function schemaFailure(part: 'public' | 'private', error: z.ZodError): CheckResult {
  const issue = error.issues[0]!
  const field = `${part}.${issue.path.join('.')}`
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? { ok: false, rule: 'required-field', field, reason: 'is required' }
        : { ok: false, rule: 'format', field, reason: issue.message }
    case 'invalid_value':
      return { ok: false, rule: 'allowed-values', field, reason: issue.message }
    case 'unrecognized_keys':
      return { ok: false, rule: 'unknown-field', field: `${part}.${issue.keys.join(', ')}`, reason: 'is not a field of this link' }
    default:
      return { ok: false, rule: 'format', field, reason: issue.message }
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

function mismatch(field: string, found: unknown, expected: unknown): CheckResult {
  return { ok: false, rule: 'trade-consistency', field, reason: `is ${String(found)} but the trade on chain says ${String(expected)}` }
}

function consistency(draft: RecordDraft, t: TradeFacts): CheckResult {
  const d = draft as RecordDraft<any>
  const p = d.publicFields as Record<string, any>
  const q = d.privateFields as Record<string, any>
  switch (draft.link) {
    case 'access':
      if (!same(q.ownerInformation.sellerKey, t.seller)) return mismatch('private.ownerInformation.sellerKey', q.ownerInformation.sellerKey, t.seller)
      if (BigInt(q.salesPrice) !== t.minPrice) return mismatch('private.salesPrice', q.salesPrice, t.minPrice)
      break
    case 'match':
      if (BigInt(q.purchasePrice) !== t.price) return mismatch('private.purchasePrice', q.purchasePrice, t.price)
      if (BigInt(q.salePrice) > t.price) return mismatch('private.salePrice', q.salePrice, `at most ${t.price}`)
      if (!same(q.storageAddress, t.storageProvider)) return mismatch('private.storageAddress', q.storageAddress, t.storageProvider)
      break
    case 'implementation':
      if (!same(p.contentDigest, t.contentHash)) return mismatch('public.contentDigest', p.contentDigest, t.contentHash)
      if (Date.parse(p.deliveryTime) < t.openedAt * 1000) return mismatch('public.deliveryTime', p.deliveryTime, 'a time after the order')
      break
    case 'service':
      if (!same(p.serverInformation.serverKey, t.storageProvider)) return mismatch('public.serverInformation.serverKey', p.serverInformation.serverKey, t.storageProvider)
      break
    case 'settlement':
      if (p.orderNumber !== `0x${t.channelId.toString(16)}`) return mismatch('public.orderNumber', p.orderNumber, `0x${t.channelId.toString(16)}`)
      if (BigInt(q.tradePrice) !== t.price) return mismatch('private.tradePrice', q.tradePrice, t.price)
      if (t.platformFee === null || t.sellerPayout === null) return { ok: false, rule: 'trade-consistency', field: 'link', reason: 'the trade has not closed on chain' }
      if (BigInt(q.platformFee) !== t.platformFee) return mismatch('private.platformFee', q.platformFee, t.platformFee)
      if (BigInt(p.amount) !== t.sellerPayout) return mismatch('public.amount', p.amount, t.sellerPayout)
      break
  }
  return { ok: true }
}
