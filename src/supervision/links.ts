/**
 * The five trade links of SPEC.md section 4 and, for each, exactly the public and private
 * supervision fields of its table — as zod schemas, so the pre-chain checks (checks.ts)
 * name the field and the rule a record broke.
 *
 * Value conventions (one per kind of field, so supervisors can compare records):
 * - times: ISO 8601 UTC with seconds, `2026-11-21T14:03:07Z`;
 * - amounts: decimal strings of AllianceCredit base units (18 decimals), `"150000000000000000000"`;
 * - organisations and keys: checksummed `0x` addresses; hashes: `0x` + 64 hex digits;
 * - sizes: bytes, a non-negative integer, or `null` when this node does not hold the asset.
 */
import { z } from 'zod'

export const LINKS = ['access', 'match', 'implementation', 'settlement', 'service'] as const
export type Link = (typeof LINKS)[number]

/** Human names of the links, as in seed 002. */
export const LINK_TITLES: Record<Link, string> = {
  access: 'data access and listing',
  match: 'supply-demand match',
  implementation: 'trade implementation',
  settlement: 'settlement',
  service: 'data service',
}

const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'an ISO 8601 UTC time like 2026-11-21T14:03:07Z')
const amount = z.string().regex(/^(0|[1-9]\d{0,77})$/, 'a decimal amount of credit base units')
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'a 0x address')
const hash = z.string().regex(/^0x[0-9a-f]{64}$/, 'a 0x hash of 32 bytes')
const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`)
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable()
const organisation = z.strictObject({ org: address, name: text(200) })

/** Media types the access record may name (`type/subtype`). */
const mediaType = z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, 'a media type like text/csv')

export const PREPROCESSING = ['none', 'de-identified', 'pseudonymised', 'aggregated'] as const
export const SERVICE_TYPES = ['storage-download', 'tee-compute'] as const
export const PURCHASE_METHODS = ['standing-deposit acceptance', 'seller acceptance'] as const
export const PAYMENT_METHODS = ['AllianceCredit escrow'] as const

export const linkSchemas = {
  access: {
    public: z.strictObject({
      dataSource: organisation,
      dataType: text(200),
      format: mediaType,
      size,
      updateTime: isoTime,
      preprocessing: z.enum(PREPROCESSING),
    }),
    private: z.strictObject({
      dataQuality: z.strictObject({
        contentVerified: z.boolean(), // the storage provider holds a blob whose SHA-256 is the listing's commitment
        sampleAvailable: z.boolean(),
        sellerTrades: z.number().int().nonnegative(), // settled trades of this seller before
        sellerLostDisputes: z.number().int().nonnegative(), // trades it lost as "not as described"
      }),
      salesPrice: amount,
      ownerInformation: z.strictObject({ org: address, name: text(200), sellerKey: address }),
    }),
  },
  match: {
    public: z.strictObject({
      requirement: text(500),
      standards: text(500),
      quantity: z.number().int().positive(),
      deliveryTime: isoTime,
      datasetSize: size,
      description: z.string().max(4000),
    }),
    private: z.strictObject({
      purchasePrice: amount,
      salePrice: amount,
      deliveryMethod: text(300),
      storageAddress: address,
    }),
  },
  implementation: {
    public: z.strictObject({
      purchaseMethod: z.enum(PURCHASE_METHODS),
      deliveryTime: isoTime,
      datasetName: text(300),
      onlineTime: isoTime,
      contentDigest: hash,
    }),
    private: z.strictObject({
      deliveryMethod: text(300),
      sellingCompany: organisation,
    }),
  },
  settlement: {
    public: z.strictObject({
      orderNumber: z.string().regex(/^0x[0-9a-f]{1,64}$/, 'the trade id in 0x hex'),
      paymentMethod: z.enum(PAYMENT_METHODS),
      amount,
      paymentTime: isoTime,
    }),
    private: z.strictObject({
      platformFee: amount,
      tradeTime: isoTime,
      tradePrice: amount,
    }),
  },
  service: {
    public: z.strictObject({
      serverInformation: z.strictObject({ org: address, name: text(200), serverKey: address }),
      serviceRequirement: text(500),
      serviceType: z.enum(SERVICE_TYPES),
      completionTime: isoTime,
    }),
    private: z.strictObject({
      processingPrice: amount,
      resultDeliveryMethod: text(300),
    }),
  },
} as const

export type PublicFields<L extends Link> = z.infer<(typeof linkSchemas)[L]['public']>
export type PrivateFields<L extends Link> = z.infer<(typeof linkSchemas)[L]['private']>

/** A record as produced, before checks and encryption. */
export interface RecordDraft<L extends Link = Link> {
  channelId: bigint
  link: L
  publicFields: PublicFields<L>
  privateFields: PrivateFields<L>
  /** What produced it, unique: e.g. `trade:<id>:access`. A second draft with the same source is a duplicate. */
  source: string
}

/** Unix seconds -> the records' time format. */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
