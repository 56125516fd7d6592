/**
 * The processor of every event of every indexed contract, in one map (ocean-node
 * `Indexer/processor.ts` style). The indexer looks a log up here by contract and event name.
 * Every event is also kept verbatim in the `events` table; `null` marks events from which
 * nothing else is derived.
 */
import { deposited, withdrawn } from './accounts.ts'
import { keyBound, keyUnbound, memberAdmitted, memberApplied, memberReinstated, memberSuspended, supervisorAdded, supervisorRemoved } from './alliance.ts'
import { transfer } from './credit.ts'
import { listed, listingClosed, standingDepositChanged, standingDepositReleased } from './listings.ts'
import { categoryConfigured, pricingSupplyUpdated, roundOpened, supplyRecorded, supplyRemoved } from './pricing.ts'
import { channelOpened, encryptionKeyPublished, headsCommitted, oversightChanged, supervisorJoined } from './supervision.ts'
import { depositForfeited, disputeDecided, disputeOpened, tradeClosed, tradeOpened, tradeUpdated } from './trades.ts'
import type { ProcessorRegistry } from './types.ts'

/**
 * @example
 * const processor = processors.Marketplace.TradeOpened // (ctx, log) => Promise<void>
 */
export const processors: ProcessorRegistry = {
  Alliance: {
    MemberApplied: memberApplied,
    MemberAdmitted: memberAdmitted,
    MemberSuspended: memberSuspended,
    MemberReinstated: memberReinstated,
    SupervisorAdded: supervisorAdded,
    SupervisorRemoved: supervisorRemoved,
    KeyBound: keyBound,
    KeyUnbound: keyUnbound,
    OwnershipTransferStarted: null,
    OwnershipTransferred: null,
  },
  AllianceCredit: {
    Transfer: transfer,
    Approval: null,
    EIP712DomainChanged: null,
    RoleAdminChanged: null,
    RoleGranted: null,
    RoleRevoked: null,
  },
  Marketplace: {
    Deposited: deposited,
    Withdrawn: withdrawn,
    Listed: listed,
    StandingDepositChanged: standingDepositChanged,
    ListingClosed: listingClosed,
    StandingDepositReleased: standingDepositReleased,
    TradeOpened: tradeOpened,
    TradeUpdated: tradeUpdated,
    DisputeOpened: disputeOpened,
    DisputeDecided: disputeDecided,
    DepositForfeited: depositForfeited,
    TradeClosed: tradeClosed,
    EIP712DomainChanged: null,
  },
  Pricing: {
    MarketplaceBound: null,
    CategoryConfigured: categoryConfigured,
    RoundOpened: roundOpened,
    SupplyRecorded: supplyRecorded,
    SupplyRemoved: supplyRemoved,
    PricingSupplyUpdated: pricingSupplyUpdated,
  },
  Supervision: {
    EncryptionKeyPublished: encryptionKeyPublished,
    OversightChanged: oversightChanged,
    ChannelOpened: channelOpened,
    SupervisorJoined: supervisorJoined,
    HeadsCommitted: headsCommitted,
  },
}
