// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IAlliance} from "./interfaces/IAlliance.sol";
import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IPricing} from "./interfaces/IPricing.sol";

/**
 * @title Marketplace
 * @notice The data-trade protocol of SPEC.md section 2: listings with a standing seller
 * deposit, ownership proofs, orders priced by the pricing contract, acceptance, download
 * tokens, storage confirmation, the buyer's verdict, three kinds of dispute, a deadline on
 * every waiting state, and pull-based withdrawals, all settled in the alliance credit.
 *
 * Money never leaves through anything but {withdraw}: every payout, refund and forfeiture
 * moves between internal balances, so an untrusted address is never called while a trade
 * changes state. At all times
 *   credit.balanceOf(this) == sum(available + locked over accounts) + sum(standing deposits).
 *
 * Forfeited deposits are shared among the other participants of the trade (basis points of
 * the forfeited amount): counterparty 50%, arbitrator 20% (to the counterparty when the
 * contract decided without an arbitrator), storage provider 15%, platform 15% (remainder).
 */
contract Marketplace is IMarketplace, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant FORFEIT_COUNTERPARTY_BPS = 5000;
    uint256 public constant FORFEIT_ARBITRATOR_BPS = 2000;
    uint256 public constant FORFEIT_STORAGE_BPS = 1500;
    uint256 public constant MAX_FEE_BPS = 1000;
    uint256 private constant BPS = 10_000;

    bytes32 private constant OWNERSHIP_PROOF_TYPEHASH = keccak256("OwnershipProof(uint256 listingId,bytes32 challenge)");

    /// @dev ABI size of a {Trade} (15 words) and the byte offsets of the fields that change
    /// (words 11, 12 and 13: state, sellerDepositSource, deadline).
    uint256 private constant TRADE_SIZE = 480;
    uint256 private constant STATE_OFFSET = 352;
    uint256 private constant SOURCE_OFFSET = 384;
    uint256 private constant DEADLINE_OFFSET = 416;

    /// @dev One storage slot per account.
    struct Account {
        uint112 available;
        uint112 locked; // escrowed prices and deposits of open trades
        uint32 orders; // number of orders placed; makes trade ids unique
    }

    /// @dev Four slots; what an order reads comes first.
    struct Listing {
        address seller;
        uint96 minPrice;
        address storageProvider;
        uint96 buyerDeposit;
        address arbitrator;
        uint96 sellerDeposit;
        uint96 standing;
        uint32 category;
        uint32 quantity;
        uint40 closedAt;
        bool requiresAcceptance;
        bytes32 contentHash;
    }

    /// @notice Trade deadlines, in seconds, fixed at deployment.
    struct Windows {
        uint32 accept;
        uint32 download;
        uint32 confirm;
        uint32 arbitration;
    }

    IERC20 private immutable _token;
    IAlliance private immutable _alliance;
    IPricing private immutable _pricing;
    address private immutable _treasury;
    uint256 private immutable _feeBps;
    uint32 private immutable _acceptWindow;
    uint32 private immutable _downloadWindow;
    uint32 private immutable _confirmWindow;
    uint32 private immutable _arbitrationWindow;

    mapping(address account => Account) private _accounts;
    mapping(uint256 listingId => Listing) private _listings;
    mapping(uint256 tradeId => bytes32) private _tradeHashes;
    uint256 private _listingCount;

    /**
     * @param credit_ settlement token (AllianceCredit)
     * @param alliance_ membership registry
     * @param pricing_ price source; it must accept calls from this contract
     * @param treasury_ platform key credited with fees and its share of forfeits
     * @param feeBps_ platform fee on each settled price, at most {MAX_FEE_BPS}
     * @param windows_ deadlines of the waiting states, each non-zero
     */
    constructor(
        IERC20 credit_,
        IAlliance alliance_,
        IPricing pricing_,
        address treasury_,
        uint256 feeBps_,
        Windows memory windows_
    ) EIP712("databourse", "1") {
        if (address(credit_) == address(0)) revert MarketplaceInvalidConfiguration("credit");
        if (address(alliance_) == address(0)) revert MarketplaceInvalidConfiguration("alliance");
        if (address(pricing_) == address(0)) revert MarketplaceInvalidConfiguration("pricing");
        if (treasury_ == address(0)) revert MarketplaceInvalidConfiguration("treasury");
        if (feeBps_ > MAX_FEE_BPS) revert MarketplaceInvalidConfiguration("feeBps");
        if (windows_.accept == 0 || windows_.download == 0 || windows_.confirm == 0 || windows_.arbitration == 0) {
            revert MarketplaceInvalidConfiguration("windows");
        }
        _token = credit_;
        _alliance = alliance_;
        _pricing = pricing_;
        _treasury = treasury_;
        _feeBps = feeBps_;
        _acceptWindow = windows_.accept;
        _downloadWindow = windows_.download;
        _confirmWindow = windows_.confirm;
        _arbitrationWindow = windows_.arbitration;
    }

    // ───────────────────────────── balances ─────────────────────────────

    /**
     * @notice Moves `amount` credits from the caller into the internal balance of `account`.
     *
     * Requirements: `amount` > 0; the caller approved this contract for `amount`.
     *
     * Emits {Deposited}.
     */
    function deposit(address account, uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketplaceZeroAmount();
        if (account == address(0)) revert MarketplaceInvalidConfiguration("account");
        Account storage a = _accounts[account];
        a.available = _toU112(a.available + amount);
        emit Deposited(account, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Pays `amount` of the caller's available balance out to the caller.
     *
     * Requirements: `amount` > 0 and at most the caller's available balance.
     *
     * Emits {Withdrawn}.
     */
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert MarketplaceZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint256 available = a.available;
        if (amount > available) revert MarketplaceInsufficientBalance(msg.sender, available, amount);
        a.available = uint112(available - amount);
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ───────────────────────────── listings ─────────────────────────────

    /**
     * @notice Lists a data asset and posts its standing deposit (SPEC.md section 2.1).
     * The deposit comes from the seller's available balance; any shortfall is pulled from
     * its token allowance.
     *
     * Requirements: the caller is an active seller key; storage provider and arbitrator are
     * active keys of their roles, the arbitrator of another organisation than the seller;
     * non-zero content hash, deposits and quantity; standing deposit >= seller deposit.
     *
     * Emits {Listed} and {StandingDepositChanged}.
     */
    function list(ListingParams calldata p) external nonReentrant returns (uint256 listingId) {
        address sellerOrg = _activeOrg(msg.sender, IAlliance.Role.Seller);
        _activeOrg(p.storageProvider, IAlliance.Role.Storage);
        if (_activeOrg(p.arbitrator, IAlliance.Role.Arbitrator) == sellerOrg) revert MarketplaceInvalidListing("arbitrator");
        if (p.contentHash == bytes32(0)) revert MarketplaceInvalidListing("contentHash");
        if (p.buyerDeposit == 0) revert MarketplaceInvalidListing("buyerDeposit");
        if (p.sellerDeposit == 0) revert MarketplaceInvalidListing("sellerDeposit");
        if (p.quantity == 0) revert MarketplaceInvalidListing("quantity");
        if (p.standingDeposit < p.sellerDeposit) {
            revert MarketplaceStandingDepositTooLow(_listingCount + 1, p.standingDeposit, p.sellerDeposit);
        }

        listingId = ++_listingCount;
        _listings[listingId] = Listing({
            seller: msg.sender,
            minPrice: p.minPrice,
            storageProvider: p.storageProvider,
            buyerDeposit: p.buyerDeposit,
            arbitrator: p.arbitrator,
            sellerDeposit: p.sellerDeposit,
            standing: p.standingDeposit,
            category: p.category,
            quantity: p.quantity,
            closedAt: 0,
            requiresAcceptance: p.requiresAcceptance,
            contentHash: p.contentHash
        });
        uint256 shortfall = _takeAvailable(msg.sender, p.standingDeposit);
        emit Listed(listingId, msg.sender, p.category, p);
        emit StandingDepositChanged(listingId, p.standingDeposit);
        _pricing.recordSupply(p.category, p.quantity);
        _pull(msg.sender, shortfall);
    }

    /**
     * @notice Adds `amount` to a listing's standing deposit.
     *
     * Requirements: caller is the listing's seller; the listing is open.
     *
     * Emits {StandingDepositChanged}.
     */
    function topUpStanding(uint256 listingId, uint96 amount) external nonReentrant {
        Listing storage lst = _openListingOf(listingId);
        if (msg.sender != lst.seller) revert MarketplaceNotSeller(listingId, msg.sender);
        if (amount == 0) revert MarketplaceZeroAmount();
        uint256 standing = uint256(lst.standing) + amount;
        if (standing > type(uint96).max) revert MarketplaceAmountTooLarge(standing);
        lst.standing = uint96(standing);
        uint256 shortfall = _takeAvailable(msg.sender, amount);
        emit StandingDepositChanged(listingId, standing);
        _pull(msg.sender, shortfall);
    }

    /**
     * @notice Closes a listing to new orders. Its standing deposit keeps backing the open
     * trades and can be released after {maxTradeLifetime}.
     *
     * Requirements: caller is the listing's seller; the listing is open.
     *
     * Emits {ListingClosed}.
     */
    function closeListing(uint256 listingId) external {
        Listing storage lst = _openListingOf(listingId);
        if (msg.sender != lst.seller) revert MarketplaceNotSeller(listingId, msg.sender);
        lst.closedAt = uint40(block.timestamp);
        emit ListingClosed(listingId, block.timestamp + maxTradeLifetime());
        _pricing.removeSupply(lst.category, lst.quantity);
    }

    /**
     * @notice Returns a closed listing's standing deposit to the seller's available balance
     * once no trade ordered before the closing can still draw on it.
     *
     * Requirements: caller is the seller; the listing closed more than {maxTradeLifetime} ago.
     *
     * Emits {StandingDepositReleased}.
     */
    function releaseStanding(uint256 listingId) external {
        Listing storage lst = _listings[listingId];
        if (lst.seller == address(0)) revert MarketplaceListingNotFound(listingId);
        if (msg.sender != lst.seller) revert MarketplaceNotSeller(listingId, msg.sender);
        uint256 releaseTime = uint256(lst.closedAt) + maxTradeLifetime();
        if (lst.closedAt == 0 || block.timestamp <= releaseTime) revert MarketplaceListingStillBacking(listingId, releaseTime);
        uint256 amount = lst.standing;
        lst.standing = 0;
        _accounts[msg.sender].available = _toU112(_accounts[msg.sender].available + amount);
        emit StandingDepositReleased(listingId, msg.sender, amount);
    }

    // ───────────────────────────── trade protocol ─────────────────────────────

    /**
     * @notice Orders one licence of a listing (SPEC.md section 2.3). The price is the
     * pricing contract's price for the listing's category in the current round; the buyer
     * is charged that price, never `maxPrice`. Price and buyer deposit are escrowed from the
     * buyer's available balance, any shortfall pulled from its allowance.
     * `tokenCommitment` is keccak256 of the buyer's secret download token: the storage
     * provider serves the asset only to whoever shows the token and signs with the buyer key.
     *
     * Requirements: the caller is an active buyer key of another organisation than the
     * seller; the listing is open; minPrice <= price <= maxPrice; for listings that accept at
     * once, the standing deposit covers a seller deposit.
     *
     * Emits {TradeOpened}.
     */
    function order(uint256 listingId, uint256 maxPrice, bytes32 tokenCommitment)
        external
        nonReentrant
        returns (uint256 tradeId)
    {
        Listing storage lst = _openListingOf(listingId);
        address seller = lst.seller;
        _requireTradingPair(msg.sender, seller);
        if (tokenCommitment == bytes32(0)) revert MarketplaceEmptyTokenCommitment();
        uint96 sellerDeposit = lst.sellerDeposit;
        bool requiresAcceptance = lst.requiresAcceptance;
        if (!requiresAcceptance && lst.standing < sellerDeposit) {
            revert MarketplaceStandingDepositTooLow(listingId, lst.standing, sellerDeposit);
        }

        (uint256 price, uint32 round) = _pricing.recordDemand(lst.category, 1);
        if (price < lst.minPrice) revert MarketplacePriceBelowMinimum(listingId, price, lst.minPrice);
        if (price > maxPrice) revert MarketplacePriceAboveMax(listingId, price, maxPrice);
        if (price > type(uint96).max) revert MarketplaceAmountTooLarge(price);

        Account storage a = _accounts[msg.sender];
        tradeId = (uint256(uint160(msg.sender)) << 96) | a.orders;
        ++a.orders;
        uint96 buyerDeposit = lst.buyerDeposit;
        uint256 shortfall = _escrow(a, price + buyerDeposit);

        Trade memory t = Trade({
            id: tradeId,
            listingId: listingId,
            buyer: msg.sender,
            seller: seller,
            storageProvider: lst.storageProvider,
            arbitrator: lst.arbitrator,
            price: uint96(price),
            buyerDeposit: buyerDeposit,
            sellerDeposit: sellerDeposit,
            category: lst.category,
            round: round,
            state: requiresAcceptance ? TradeState.Ordered : TradeState.Accepted,
            sellerDepositSource: requiresAcceptance ? DepositSource.None : DepositSource.Standing,
            deadline: uint40(block.timestamp + (requiresAcceptance ? _acceptWindow : _downloadWindow)),
            tokenCommitment: tokenCommitment
        });
        _tradeHashes[tradeId] = _hash(t);
        emit TradeOpened(tradeId, listingId, msg.sender, t.price, round, t.state, t.deadline, tokenCommitment, maxPrice);
        _pull(msg.sender, shortfall);
    }

    /**
     * @notice The seller accepts an order by locking its trade deposit from its available
     * balance (any shortfall pulled from its allowance).
     *
     * Requirements: caller is the trade's seller and an active seller key; the trade is
     * Ordered and its acceptance deadline has not passed.
     *
     * Emits {TradeUpdated}.
     */
    function accept(Trade calldata trade) external nonReentrant {
        Trade calldata t = _load(trade);
        if (msg.sender != t.seller) revert MarketplaceUnauthorized(t.id, msg.sender);
        _requireActive(msg.sender, IAlliance.Role.Seller);
        _requireState(t, TradeState.Ordered);
        _requireBeforeDeadline(t);

        uint256 shortfall = _escrow(_accounts[msg.sender], t.sellerDeposit);
        _advance(t, TradeState.Accepted, DepositSource.Account, _downloadWindow);
        _pull(msg.sender, shortfall);
    }

    /**
     * @notice The storage provider confirms that the buyer downloaded the asset
     * (SPEC.md section 2.4); the buyer's confirmation window starts.
     *
     * Requirements: caller is the trade's storage provider; the trade is Accepted and its
     * download deadline has not passed.
     *
     * Emits {TradeUpdated}.
     */
    function confirmDownload(Trade calldata trade) external {
        _confirmDownload(trade);
    }

    /**
     * @notice {confirmDownload} for many trades in one transaction: a storage provider that
     * serves many downloads confirms them in batches and pays the transaction overhead once.
     *
     * Requirements: as {confirmDownload}, for every trade; one failure reverts the batch.
     *
     * Emits one {TradeUpdated} per trade.
     */
    function confirmDownloads(Trade[] calldata trades) external {
        for (uint256 i = 0; i < trades.length; ++i) {
            _confirmDownload(trades[i]);
        }
    }

    /**
     * @notice The buyer's verdict on a delivery (SPEC.md section 2.5). OK settles the trade;
     * "download failed" and "not as described" open a dispute for the arbitrator; "price
     * abnormal" is decided here by recomputing the round's price.
     *
     * Requirements: caller is the trade's buyer; the trade is Accepted or Downloaded and
     * its deadline has not passed.
     *
     * Emits {TradeClosed} or {DisputeOpened}+{TradeUpdated}; {DepositForfeited} when the
     * price was right after all.
     */
    function confirm(Trade calldata trade, Verdict verdict) external {
        Trade calldata t = _load(trade);
        if (msg.sender != t.buyer) revert MarketplaceUnauthorized(t.id, msg.sender);
        TradeState state = t.state;
        if (state != TradeState.Accepted && state != TradeState.Downloaded) revert MarketplaceWrongState(t.id, state);
        _requireBeforeDeadline(t);

        if (verdict == Verdict.Ok) {
            _settle(t, Resolution.Confirmed, false);
        } else if (verdict == Verdict.PriceAbnormal) {
            if (_pricing.roundPrice(t.category, t.round) == t.price) {
                _settle(t, Resolution.PriceMatch, true);
            } else {
                _fail(t, Resolution.PriceMismatch, false);
            }
        } else {
            TradeState disputed =
                verdict == Verdict.DownloadFailed ? TradeState.DisputedDownload : TradeState.DisputedDescription;
            uint40 deadline = _advance(t, disputed, t.sellerDepositSource, _arbitrationWindow);
            emit DisputeOpened(t.id, verdict, deadline);
        }
    }

    /**
     * @notice The trade's arbitrator decides its dispute (SPEC.md section 2.6).
     * For "download failed", `buyerRight` means the arbitrator could not download either:
     * the trade fails with a full refund; otherwise the buyer's deposit is forfeited and the
     * seller paid. For "not as described", `buyerRight` means the data does not match its
     * description: the seller's deposit is forfeited and the buyer refunded in full;
     * otherwise the buyer's deposit is forfeited and the seller paid.
     *
     * Requirements: caller is the trade's arbitrator; the trade is disputed and the
     * arbitration deadline has not passed.
     *
     * Emits {DisputeDecided}, {TradeClosed}, and {DepositForfeited} when a deposit is lost.
     */
    function decideDispute(Trade calldata trade, bool buyerRight) external {
        Trade calldata t = _load(trade);
        if (msg.sender != t.arbitrator) revert MarketplaceUnauthorized(t.id, msg.sender);
        TradeState state = t.state;
        if (state != TradeState.DisputedDownload && state != TradeState.DisputedDescription) {
            revert MarketplaceWrongState(t.id, state);
        }
        _requireBeforeDeadline(t);
        emit DisputeDecided(t.id, msg.sender, buyerRight);

        if (state == TradeState.DisputedDownload) {
            if (buyerRight) _fail(t, Resolution.DownloadDisputeUpheld, false);
            else _settle(t, Resolution.DownloadDisputeBuyerLied, true);
        } else {
            if (buyerRight) _fail(t, Resolution.DescriptionMismatch, true);
            else _settle(t, Resolution.DescriptionMatch, true);
        }
    }

    /**
     * @notice Ends a trade whose waiting state passed its deadline (SPEC.md section 2.7).
     * Anyone may call it. Seller never accepted, no download confirmed, or arbitrator
     * silent: the trade fails, the buyer is refunded in full and the seller's deposit
     * returned. Buyer silent after a confirmed download: the trade settles.
     *
     * Requirements: the trade is open and its deadline has passed.
     *
     * Emits {TradeClosed}.
     */
    function resolveTimeout(Trade calldata trade) external {
        Trade calldata t = _load(trade);
        if (block.timestamp <= t.deadline) revert MarketplaceDeadlineNotReached(t.id, t.deadline);
        TradeState s = t.state;
        if (s == TradeState.Ordered) _fail(t, Resolution.AcceptTimeout, false);
        else if (s == TradeState.Accepted) _fail(t, Resolution.DownloadTimeout, false);
        else if (s == TradeState.Downloaded) _settle(t, Resolution.ConfirmTimeout, false);
        else if (s == TradeState.DisputedDownload || s == TradeState.DisputedDescription) {
            _fail(t, Resolution.ArbitrationTimeout, false);
        } else {
            revert MarketplaceWrongState(t.id, s);
        }
    }

    // ───────────────────────────── views ─────────────────────────────

    /**
     * @notice True when `signature` is the listing seller's EIP-712 signature of
     * OwnershipProof(listingId, challenge): the challenge-response of SPEC.md section 2.2.
     */
    function verifyOwnership(uint256 listingId, bytes32 challenge, bytes calldata signature)
        external
        view
        returns (bool)
    {
        address seller = _listings[listingId].seller;
        if (seller == address(0)) return false;
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(OWNERSHIP_PROOF_TYPEHASH, listingId, challenge)));
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        return err == ECDSA.RecoverError.NoError && signer == seller;
    }

    /// @notice The hash under which a trade record is stored: keccak256(abi.encode(t)).
    function hashTrade(Trade calldata t) external pure returns (bytes32) {
        return keccak256(abi.encode(t));
    }

    /// @notice The stored hash of an open trade (zero for an unknown or closed trade).
    function tradeHash(uint256 tradeId) external view returns (bytes32) {
        return _tradeHashes[tradeId];
    }

    /// @notice Internal balances of an account and its number of orders.
    function accountOf(address account) external view returns (uint256 available, uint256 locked, uint256 orders) {
        Account memory a = _accounts[account];
        return (a.available, a.locked, a.orders);
    }

    /// @notice A listing's stored terms and state.
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @notice Number of listings created so far (listing ids run from 1).
    function listingCount() external view returns (uint256) {
        return _listingCount;
    }

    /// @notice Contracts and parameters this marketplace was deployed with.
    function configuration()
        external
        view
        returns (address credit, address alliance, address pricing, address treasury, uint256 feeBps, Windows memory windows)
    {
        return (
            address(_token),
            address(_alliance),
            address(_pricing),
            _treasury,
            _feeBps,
            Windows(_acceptWindow, _downloadWindow, _confirmWindow, _arbitrationWindow)
        );
    }

    /// @notice Longest time from an order to its last possible decision.
    function maxTradeLifetime() public view returns (uint256) {
        return uint256(_acceptWindow) + _downloadWindow + _confirmWindow + _arbitrationWindow;
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _confirmDownload(Trade calldata trade) private {
        Trade calldata t = _load(trade);
        if (msg.sender != t.storageProvider) revert MarketplaceUnauthorized(t.id, msg.sender);
        _requireState(t, TradeState.Accepted);
        _requireBeforeDeadline(t);
        _advance(t, TradeState.Downloaded, t.sellerDepositSource, _confirmWindow);
    }

    /// @dev The buyer key must be active, and so must the seller key (not suspended, not
    /// rotated away), in different organisations. One registry call checks both keys.
    function _requireTradingPair(address buyer, address seller) private view {
        (address buyerOrg, address sellerOrg) =
            _alliance.activeOrgsOf(buyer, IAlliance.Role.Buyer, seller, IAlliance.Role.Seller);
        if (buyerOrg == address(0)) revert MarketplaceNotActiveMember(buyer, uint8(IAlliance.Role.Buyer));
        if (sellerOrg == address(0)) revert MarketplaceNotActiveMember(seller, uint8(IAlliance.Role.Seller));
        if (sellerOrg == buyerOrg) revert MarketplaceSelfTrade(buyer);
    }

    function _requireActive(address key, IAlliance.Role role) private view {
        _activeOrg(key, role);
    }

    /// @dev The organisation of an active key of `role`; reverts for any other key.
    function _activeOrg(address key, IAlliance.Role role) private view returns (address org) {
        org = _alliance.activeOrgOf(key, role);
        if (org == address(0)) revert MarketplaceNotActiveMember(key, uint8(role));
    }

    function _openListingOf(uint256 listingId) private view returns (Listing storage lst) {
        lst = _listings[listingId];
        if (lst.seller == address(0)) revert MarketplaceListingNotFound(listingId);
        if (lst.closedAt != 0) revert MarketplaceListingClosed(listingId);
    }

    /// @dev Checks the caller's record of a trade against the stored hash and returns it.
    /// The hash is taken over the record's calldata bytes: `Trade` is a static struct, so
    /// they are its abi.encode, and only a record with clean fields can match.
    function _load(Trade calldata trade) private view returns (Trade calldata t) {
        t = trade;
        bytes32 stored = _tradeHashes[t.id];
        if (stored == bytes32(0) || stored != _hashRecord(t)) revert MarketplaceTradeMismatch(t.id);
    }

    function _requireState(Trade calldata t, TradeState expected) private pure {
        if (t.state != expected) revert MarketplaceWrongState(t.id, t.state);
    }

    function _requireBeforeDeadline(Trade calldata t) private view {
        if (block.timestamp > t.deadline) revert MarketplaceDeadlinePassed(t.id, t.deadline);
    }

    /// @dev Stores `t` moved to `state`, its seller deposit held at `source`, with a new
    /// deadline `window` seconds from now; returns that deadline.
    function _advance(Trade calldata t, TradeState state, DepositSource source, uint32 window)
        private
        returns (uint40 deadline)
    {
        deadline = uint40(block.timestamp + window);
        _tradeHashes[t.id] = _hashUpdated(t, state, source, deadline);
        emit TradeUpdated(t.id, state, source, deadline);
    }

    /// @dev keccak256(abi.encode(t)) of a trade record in memory: a struct of static fields
    /// is laid out in memory as its ABI encoding, one clean word per field.
    function _hash(Trade memory t) private pure returns (bytes32 h) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            h := keccak256(t, TRADE_SIZE)
        }
    }

    /// @dev keccak256 of a calldata record's bytes.
    function _hashRecord(Trade calldata t) private pure returns (bytes32 h) {
        // See {_hashUpdated} for why this is assembly.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, t, TRADE_SIZE)
            h := keccak256(m, TRADE_SIZE)
        }
    }

    /// @dev keccak256(abi.encode(t')) where t' is the calldata record `t` with `state`,
    /// `source` and `deadline` in place of its own: one copy, three words patched, one hash.
    function _hashUpdated(Trade calldata t, TradeState state, DepositSource source, uint40 deadline)
        private
        pure
        returns (bytes32 h)
    {
        // Assembly because Solidity has no way to hash a calldata struct's bytes without
        // decoding and re-encoding it field by field; the scratch copy lies above the free
        // memory pointer and is not kept. Narrow values are masked to their ABI width
        // (assembly may not assume their unused bits are clean).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, t, TRADE_SIZE)
            mstore(add(m, STATE_OFFSET), and(state, 0xff))
            mstore(add(m, SOURCE_OFFSET), and(source, 0xff))
            mstore(add(m, DEADLINE_OFFSET), and(deadline, 0xffffffffff))
            h := keccak256(m, TRADE_SIZE)
        }
    }

    /// @dev Seller paid; buyer's deposit back unless `forfeitBuyer`; seller's deposit back.
    function _settle(Trade calldata t, Resolution resolution, bool forfeitBuyer) private {
        _close(t);
        uint256 fee = (uint256(t.price) * _feeBps) / BPS;
        uint256 sellerPayout = t.price - fee;
        uint256 buyerRefund = forfeitBuyer ? 0 : t.buyerDeposit;

        Account storage b = _accounts[t.buyer];
        b.locked -= uint112(uint256(t.price) + t.buyerDeposit);
        b.available = _toU112(b.available + buyerRefund);
        _releaseSellerDeposit(t, sellerPayout);
        Account storage p = _accounts[_treasury];
        p.available = _toU112(p.available + fee);
        emit TradeClosed(t.id, TradeState.Settled, resolution, sellerPayout, fee, buyerRefund);

        if (forfeitBuyer) {
            bool arbitrated = resolution != Resolution.PriceMatch;
            _distributeForfeit(t, t.buyer, t.seller, t.buyerDeposit, arbitrated);
        }
    }

    /// @dev Buyer refunded in full; seller's deposit back unless `forfeitSeller`.
    function _fail(Trade calldata t, Resolution resolution, bool forfeitSeller) private {
        _close(t);
        uint256 refund = uint256(t.price) + t.buyerDeposit;
        Account storage b = _accounts[t.buyer];
        b.locked -= uint112(refund);
        b.available = _toU112(b.available + refund);

        uint256 forfeited;
        if (forfeitSeller) {
            forfeited = _seizeSellerDeposit(t);
        } else if (t.sellerDepositSource == DepositSource.Account) {
            _releaseSellerDeposit(t, 0);
        }
        emit TradeClosed(t.id, TradeState.Failed, resolution, 0, 0, refund);
        if (forfeited > 0) _distributeForfeit(t, t.seller, t.buyer, forfeited, true);
    }

    /// @dev A closed trade keeps no storage: deleting its hash makes every later action on it
    /// revert (ids are never reused) and refunds part of the gas; {TradeClosed} records the end.
    function _close(Trade calldata t) private {
        delete _tradeHashes[t.id];
    }

    /// @dev Credits the seller `payout` and unlocks its trade deposit if it locked one.
    function _releaseSellerDeposit(Trade calldata t, uint256 payout) private {
        Account storage s = _accounts[t.seller];
        if (t.sellerDepositSource == DepositSource.Account) {
            s.locked -= t.sellerDeposit;
            payout += t.sellerDeposit;
        }
        if (payout > 0) s.available = _toU112(s.available + payout);
    }

    /// @dev Takes the seller's trade deposit from wherever it is held; returns the amount.
    function _seizeSellerDeposit(Trade calldata t) private returns (uint256 amount) {
        if (t.sellerDepositSource == DepositSource.Account) {
            _accounts[t.seller].locked -= t.sellerDeposit;
            return t.sellerDeposit;
        }
        if (t.sellerDepositSource == DepositSource.Standing) {
            Listing storage lst = _listings[t.listingId];
            uint256 standing = lst.standing;
            amount = standing < t.sellerDeposit ? standing : t.sellerDeposit;
            lst.standing = uint96(standing - amount);
            emit StandingDepositChanged(t.listingId, standing - amount);
        }
    }

    /// @dev Shares a forfeited deposit among the other participants (see contract doc).
    function _distributeForfeit(Trade calldata t, address from, address counterparty, uint256 amount, bool arbitrated)
        private
    {
        uint256 toArbitrator = arbitrated ? (amount * FORFEIT_ARBITRATOR_BPS) / BPS : 0;
        uint256 toStorage = (amount * FORFEIT_STORAGE_BPS) / BPS;
        uint256 toCounterparty = (amount * FORFEIT_COUNTERPARTY_BPS) / BPS;
        if (!arbitrated) toCounterparty += (amount * FORFEIT_ARBITRATOR_BPS) / BPS;
        uint256 toPlatform = amount - toArbitrator - toStorage - toCounterparty;
        _credit(counterparty, toCounterparty);
        _credit(t.arbitrator, toArbitrator);
        _credit(t.storageProvider, toStorage);
        _credit(_treasury, toPlatform);
        emit DepositForfeited(t.id, from, amount, toCounterparty, toArbitrator, toStorage, toPlatform);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        Account storage a = _accounts[account];
        a.available = _toU112(a.available + amount);
    }

    /// @dev Moves `amount` from available to locked; returns what must still be pulled in.
    function _escrow(Account storage a, uint256 amount) private returns (uint256 shortfall) {
        uint256 available = a.available;
        if (available >= amount) {
            a.available = uint112(available - amount);
        } else {
            shortfall = amount - available;
            a.available = 0;
        }
        a.locked = _toU112(a.locked + amount);
    }

    /// @dev Takes `amount` out of available (not into locked); returns the shortfall to pull.
    function _takeAvailable(address account, uint256 amount) private returns (uint256 shortfall) {
        Account storage a = _accounts[account];
        uint256 available = a.available;
        if (available >= amount) {
            a.available = uint112(available - amount);
        } else {
            shortfall = amount - available;
            a.available = 0;
        }
    }

    /// @dev Pulls `amount` from `from`'s allowance; last step of a function (interactions last).
    function _pull(address from, uint256 amount) private {
        if (amount == 0) return;
        emit Deposited(from, from, amount);
        _token.safeTransferFrom(from, address(this), amount);
    }

    function _toU112(uint256 x) private pure returns (uint112) {
        if (x > type(uint112).max) revert MarketplaceAmountTooLarge(x);
        return uint112(x);
    }
}
