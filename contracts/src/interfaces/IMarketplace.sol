// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IMarketplace
 * @notice Types, errors and events of the trade protocol (SPEC.md section 2).
 *
 * A trade is stored on chain as one hash of its {Trade} record; the record itself travels
 * in calldata and in events ({TradeOpened} carries it whole, {TradeUpdated} the fields that
 * change). Every action takes the current record, checks it against the stored hash and
 * stores the hash of the updated record. This keeps a complete lifecycle, with deposits on
 * both sides, cheaper than seed 001's 167,036 gas while every field stays verifiable.
 */
interface IMarketplace {
    /// @notice Where a trade stands. Settled and Failed are final.
    enum TradeState {
        None,
        Ordered, // waiting for the seller to accept (listings that require acceptance)
        Accepted, // seller deposit locked; the buyer may download with its token
        Downloaded, // the storage provider confirmed the download
        DisputedDownload, // buyer says the download failed; waiting for the arbitrator
        DisputedDescription, // buyer says the data is not as described; waiting for the arbitrator
        Settled, // seller paid
        Failed // buyer refunded
    }

    /// @notice The buyer's confirmation of a delivery.
    enum Verdict {
        Ok,
        DownloadFailed,
        NotAsDescribed,
        PriceAbnormal
    }

    /// @notice Why a trade ended the way it did.
    enum Resolution {
        Confirmed, // buyer said OK
        ConfirmTimeout, // buyer silent after a confirmed download
        DownloadDisputeBuyerLied, // arbitrator could download: buyer deposit forfeited
        DownloadDisputeUpheld, // arbitrator could not download either: full refund
        DescriptionMismatch, // data not as described: seller deposit forfeited, full refund
        DescriptionMatch, // data as described: buyer deposit forfeited
        PriceMatch, // price equals the round's price: buyer deposit forfeited
        PriceMismatch, // price differs from the round's price: full refund
        AcceptTimeout, // seller never accepted
        DownloadTimeout, // no download confirmed in time
        ArbitrationTimeout // arbitrator never decided
    }

    /// @notice Where the seller's trade deposit is held.
    enum DepositSource {
        None,
        Standing, // the listing's standing deposit covers it
        Account // locked from the seller's internal balance at acceptance
    }

    /// @notice What a seller fills in to list an asset (SPEC.md section 2.1).
    struct ListingParams {
        uint32 category;
        bytes32 contentHash; // commitment to the asset held by the storage provider
        address storageProvider; // storage role key serving the asset
        address arbitrator; // arbitrator role key that decides this listing's disputes
        uint96 minPrice; // lowest unit price the seller accepts
        uint96 buyerDeposit; // deposit a buyer posts with each order
        uint96 sellerDeposit; // deposit the seller stands behind each trade with
        uint96 standingDeposit; // posted now; must cover at least one sellerDeposit
        uint32 quantity; // licences offered (supply for pricing)
        bool requiresAcceptance; // false: the standing deposit accepts orders at once
        string dataType;
        string description;
        string sampleURI; // optional free sample
    }

    /// @notice The full record of a trade; its keccak256(abi.encode()) is stored on chain.
    struct Trade {
        uint256 id; // (uint160(buyer) << 96) | the buyer's order number
        uint256 listingId;
        address buyer;
        address seller;
        address storageProvider;
        address arbitrator;
        uint96 price;
        uint96 buyerDeposit;
        uint96 sellerDeposit;
        uint32 category;
        uint32 round;
        TradeState state;
        DepositSource sellerDepositSource;
        uint40 deadline; // when the current waiting state times out
        bytes32 tokenCommitment; // keccak256 of the buyer's download token
    }

    // ───────────────────────────── errors ─────────────────────────────

    error MarketplaceInvalidConfiguration(string field);
    error MarketplaceNotActiveMember(address key, uint8 role);
    error MarketplaceZeroAmount();
    error MarketplaceAmountTooLarge(uint256 amount);
    error MarketplaceInsufficientBalance(address account, uint256 available, uint256 needed);
    error MarketplaceInvalidListing(string field);
    error MarketplaceListingNotFound(uint256 listingId);
    error MarketplaceListingClosed(uint256 listingId);
    error MarketplaceListingStillBacking(uint256 listingId, uint256 releaseTime);
    error MarketplaceNotSeller(uint256 listingId, address caller);
    error MarketplaceStandingDepositTooLow(uint256 listingId, uint256 standing, uint256 needed);
    error MarketplaceSelfTrade(address account);
    error MarketplacePriceAboveMax(uint256 listingId, uint256 price, uint256 maxPrice);
    error MarketplacePriceBelowMinimum(uint256 listingId, uint256 price, uint256 minPrice);
    error MarketplaceEmptyTokenCommitment();
    error MarketplaceTradeMismatch(uint256 tradeId);
    error MarketplaceWrongState(uint256 tradeId, TradeState state);
    error MarketplaceUnauthorized(uint256 tradeId, address caller);
    error MarketplaceDeadlinePassed(uint256 tradeId, uint256 deadline);
    error MarketplaceDeadlineNotReached(uint256 tradeId, uint256 deadline);

    // ───────────────────────────── events ─────────────────────────────

    event Deposited(address indexed account, address indexed from, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event Listed(
        uint256 indexed listingId,
        address indexed seller,
        uint32 indexed category,
        ListingParams params
    );
    event StandingDepositChanged(uint256 indexed listingId, uint256 standing);
    event ListingClosed(uint256 indexed listingId, uint256 releaseTime);
    event StandingDepositReleased(uint256 indexed listingId, address indexed seller, uint256 amount);
    /// @notice A trade was ordered. With the listing's terms (from {Listed}) this gives the
    /// whole {Trade} record; see the contract's `hashTrade`.
    event TradeOpened(
        uint256 indexed tradeId,
        uint256 indexed listingId,
        address indexed buyer,
        uint96 price,
        uint32 round,
        TradeState state,
        uint40 deadline,
        bytes32 tokenCommitment,
        uint256 maxPrice
    );
    /// @notice An open trade moved to `state`; `deadline` is when that state times out.
    event TradeUpdated(uint256 indexed tradeId, TradeState state, DepositSource sellerDepositSource, uint40 deadline);
    event DisputeOpened(uint256 indexed tradeId, Verdict verdict, uint40 deadline);
    event DisputeDecided(uint256 indexed tradeId, address indexed arbitrator, bool buyerRight);
    event DepositForfeited(
        uint256 indexed tradeId,
        address indexed from,
        uint256 amount,
        uint256 toCounterparty,
        uint256 toArbitrator,
        uint256 toStorageProvider,
        uint256 toPlatform
    );
    /// @notice A trade ended (Settled or Failed). Its stored hash is deleted: nothing can act on it again.
    event TradeClosed(
        uint256 indexed tradeId,
        TradeState indexed state,
        Resolution resolution,
        uint256 sellerPayout,
        uint256 platformFee,
        uint256 buyerRefund
    );
}
