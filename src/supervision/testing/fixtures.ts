/** Test fixtures: one trade as the chain has it, and a well-formed draft of each of its links. */
import type { TradeFacts } from '../checks.ts'
import type { Link, RecordDraft } from '../links.ts'

export const seller = '0x1111111111111111111111111111111111111111'
export const storage = '0x2222222222222222222222222222222222222222'
/** The chain's view of trade 0x5. */
export const facts: TradeFacts = {
  channelId: 0x5n,
  buyer: '0x3333333333333333333333333333333333333333',
  seller,
  storageProvider: storage,
  price: 150n,
  platformFee: 3n,
  sellerPayout: 147n,
  contentHash: `0x${'ab'.repeat(32)}`,
  minPrice: 100n,
  openedAt: 1_700_000_000,
}

/** One well-formed draft of each link of trade 0x5, consistent with {@link facts}. */
export const drafts: { [L in Link]: RecordDraft<L> } = {
  access: {
    channelId: 5n, link: 'access', source: 's:access',
    publicFields: { dataSource: { org: seller, name: 'Alpha' }, dataType: 'csv', format: 'text/csv', size: 10, updateTime: '2026-01-01T00:00:00Z', preprocessing: 'none' },
    privateFields: { dataQuality: { contentVerified: true, sampleAvailable: false, sellerTrades: 0, sellerLostDisputes: 0 }, salesPrice: '100', ownerInformation: { org: seller, name: 'Alpha', sellerKey: seller } },
  },
  match: {
    channelId: 5n, link: 'match', source: 's:match',
    publicFields: { requirement: 'one licence', standards: 'as described', quantity: 1, deliveryTime: '2026-01-02T00:00:00Z', datasetSize: 10, description: 'orders' },
    privateFields: { purchasePrice: '150', salePrice: '147', deliveryMethod: 'download', storageAddress: storage },
  },
  implementation: {
    channelId: 5n, link: 'implementation', source: 's:impl',
    publicFields: { purchaseMethod: 'seller acceptance', deliveryTime: '2026-01-02T00:00:00Z', datasetName: 'orders', onlineTime: '2026-01-01T00:00:00Z', contentDigest: `0x${'ab'.repeat(32)}` },
    privateFields: { deliveryMethod: 'stream', sellingCompany: { org: seller, name: 'Alpha' } },
  },
  service: {
    channelId: 5n, link: 'service', source: 's:service',
    publicFields: { serverInformation: { org: storage, name: 'Store', serverKey: storage }, serviceRequirement: 'deliver', serviceType: 'storage-download', completionTime: '2026-01-02T00:00:00Z' },
    privateFields: { processingPrice: '0', resultDeliveryMethod: 'stream' },
  },
  settlement: {
    channelId: 5n, link: 'settlement', source: 's:settlement',
    publicFields: { orderNumber: '0x5', paymentMethod: 'AllianceCredit escrow', amount: '147', paymentTime: '2026-01-03T00:00:00Z' },
    privateFields: { platformFee: '3', tradeTime: '2026-01-01T00:00:00Z', tradePrice: '150' },
  },
}

/**
 * Drafts of a trade `channelId` in link order — access, match, then `services` data-service
 * records — with the chain's facts for it.
 */
export function tradeDrafts(channelId: bigint, services: number): { drafts: RecordDraft[]; facts: TradeFacts } {
  const of = <L extends Link>(d: RecordDraft<L>, source: string): RecordDraft<L> => ({ ...d, channelId, source: `0x${channelId.toString(16)}:${source}` })
  const list: RecordDraft[] = [of(drafts.access, 'access'), of(drafts.match, 'match')]
  for (let i = 0; i < services; i++) list.push(of(drafts.service, `service:${i}`))
  return { drafts: list, facts: { ...facts, channelId } }
}
