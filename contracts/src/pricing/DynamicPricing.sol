// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAlliance} from "../interfaces/IAlliance.sol";
import {IPricing} from "../interfaces/IPricing.sol";
import {IDynamicPricing} from "./IDynamicPricing.sol";
import {PriceMath} from "./PriceMath.sol";

/**
 * @title DynamicPricing
 * @notice Per-category trading rounds priced from aggregate supply and demand (SPEC.md
 * section 3, docs/pricing.md). The price of round t is fixed when round t opens, from
 *  - De: the quantity ordered during round t-1 (demand is a flow, counted per round), and
 *  - S: the standing supply when round t-1 ended (every listed quantity counts in every
 *    round while it is listed: a listing's quantity is what it offers per round).
 * Every trade of round t gets that price, and {roundPrice} returns it for ever, so a
 * "price abnormal" dispute is decided by comparing the two.
 *
 * Rounds last `roundLength` seconds. The platform role opens the next round once the
 * current one has ended ({advanceRound}); if it does not, the first supply or demand
 * record after the end does (lazily). Either way the new price depends only on what was
 * recorded before the end, so neither the platform nor the timing of the opening call can
 * change it. Rounds are numbered per category from 1 without gaps: after an idle period the
 * next round opens at the first action.
 *
 * Roles: the Marketplace is fixed at deployment (its address is known before it is
 * deployed); governance (fixed at deployment) configures each category once, after which its
 * parameters never change; the platform can only open rounds that are due.
 *
 * Gas: an order reads and writes one storage slot here (the category's current price,
 * round, end and demand), so pricing a trade costs little more than a fixed price. There is
 * no per-order event: each order is a Marketplace {TradeOpened} (with its round and price),
 * and {RoundOpened} carries the demand every round ended with.
 */
contract DynamicPricing is IDynamicPricing {
    /// @dev Longest allowed round.
    uint256 public constant MAX_ROUND_LENGTH = 365 days;

    /// @dev Largest demand a round can count (the demand field's width).
    uint256 private constant MAX_DEMAND = type(uint56).max;

    /// @dev Three slots. The first is all an order touches: one cold read, one write.
    struct Category {
        uint128 price; // price of the current round (also in _rounds, for history)
        uint32 round; // current round; 0: not configured
        uint40 endsAt;
        uint56 demand; // quantity ordered in the current round
        uint128 supply; // standing supply
        uint72 logRatioBound;
        uint32 roundLength;
        uint8 k;
        uint128 pBalance;
        uint128 pVol;
    }

    struct Round {
        uint128 price;
        uint64 startedAt;
    }

    IAlliance private immutable _alliance;
    address private immutable _governance;
    address private immutable _marketplace;

    mapping(uint32 category => Category) private _categories;
    mapping(uint32 category => mapping(uint32 round => Round)) private _rounds;

    modifier onlyMarketplace() {
        if (msg.sender != _marketplace) revert PricingUnauthorizedCaller(msg.sender);
        _;
    }

    /**
     * @param alliance_ membership registry that says which keys act for the platform.
     * @param governance_ the only address that may configure categories (e.g. a multisig).
     * @param marketplace_ the only address that may record supply and demand. The pricing
     * contract is deployed first, so this is the Marketplace's predicted address (viem
     * `getContractAddress` of the deployer's next nonce, as src/chain/deploy.ts does).
     *
     * Requirements: no zero address. Emits {MarketplaceBound}.
     */
    constructor(address alliance_, address governance_, address marketplace_) {
        if (alliance_ == address(0) || governance_ == address(0) || marketplace_ == address(0)) {
            revert PricingZeroAddress();
        }
        _alliance = IAlliance(alliance_);
        _governance = governance_;
        _marketplace = marketplace_;
        emit MarketplaceBound(marketplace_);
    }

    /**
     * @inheritdoc IDynamicPricing
     * @dev Requirements: caller is governance; category not configured; valid price
     * parameters (see {PriceMath-validate}); 0 < roundLength <= 365 days.
     * Emits {CategoryConfigured} and {RoundOpened} for round 1, priced at p_balance.
     */
    function configureCategory(uint32 category, CategoryConfig calldata config) external {
        if (msg.sender != _governance) revert PricingNotGovernance(msg.sender);
        Category storage c = _categories[category];
        if (c.round != 0) revert PricingCategoryAlreadyConfigured(category);
        PriceParams memory p = config.price;
        PriceMath.validate(p);
        if (config.roundLength == 0 || config.roundLength > MAX_ROUND_LENGTH) {
            revert PricingInvalidRoundLength(config.roundLength);
        }
        // validate() bounds every value to its field's width.
        c.pBalance = uint128(p.pBalance);
        c.pVol = uint128(p.pVol);
        c.k = p.k;
        c.logRatioBound = uint72(p.logRatioBound);
        c.roundLength = uint32(config.roundLength);
        emit CategoryConfigured(category, p.pBalance, p.pVol, p.k, p.logRatioBound, config.roundLength);
        _open(category, c, 1, p.pBalance, 0, 0);
    }

    /**
     * @inheritdoc IDynamicPricing
     * @dev Requirements: caller is an active platform key; the category is configured and
     * its current round has ended. Emits {RoundOpened}.
     */
    function advanceRound(uint32 category) external returns (uint32, uint256) {
        if (!_alliance.isActive(msg.sender, IAlliance.Role.Platform)) revert PricingNotPlatform(msg.sender);
        Category storage c = _configured(category);
        if (block.timestamp < c.endsAt) revert PricingRoundNotEnded(category, c.round, c.endsAt);
        return _advance(category, c);
    }

    /**
     * @inheritdoc IPricing
     * @dev Opens the next round first if the current one has ended. Requirements: caller
     * is the Marketplace; configured category; quantity > 0; supply stays below 2^128.
     * Emits {SupplyRecorded} (and {RoundOpened} when it opens a round).
     */
    function recordSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        if (quantity == 0) revert PricingZeroQuantity(category);
        Category storage c = _current(category);
        uint256 supply = c.supply;
        if (quantity > type(uint128).max - supply) revert PricingQuantityOverflow(category, supply, quantity);
        supply += quantity;
        c.supply = uint128(supply);
        emit SupplyRecorded(category, c.round, quantity, supply);
    }

    /**
     * @inheritdoc IPricing
     * @dev Opens the next round first if the current one has ended. Requirements: caller
     * is the Marketplace; configured category; 0 < quantity <= standing supply.
     * Emits {SupplyRemoved} (and {RoundOpened} when it opens a round).
     */
    function removeSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        if (quantity == 0) revert PricingZeroQuantity(category);
        Category storage c = _current(category);
        uint256 supply = c.supply;
        if (quantity > supply) revert PricingSupplyUnderflow(category, supply, quantity);
        supply -= quantity;
        c.supply = uint128(supply);
        emit SupplyRemoved(category, c.round, quantity, supply);
    }

    /**
     * @inheritdoc IPricing
     * @dev Opens the next round first if the current one has ended; the demand counts
     * towards the next round's price. Requirements: caller is the Marketplace; configured
     * category; quantity > 0; the round's demand stays below 2^56 (7.2e16 licences).
     * Emits no event of its own ({RoundOpened} when it opens a round): the Marketplace's
     * {TradeOpened} records each order, and the next {RoundOpened} the round's total demand.
     */
    function recordDemand(uint32 category, uint256 quantity)
        external
        onlyMarketplace
        returns (uint256 price, uint32 round)
    {
        if (quantity == 0) revert PricingZeroQuantity(category);
        Category storage c = _current(category);
        uint256 demand = c.demand;
        if (quantity > MAX_DEMAND - demand) revert PricingQuantityOverflow(category, demand, quantity);
        c.demand = uint56(demand + quantity);
        return (c.price, c.round);
    }

    /// @inheritdoc IPricing
    function quote(uint32 category) external view returns (uint256, uint32) {
        Category storage c = _configured(category);
        if (block.timestamp >= c.endsAt) return (_nextPrice(c), c.round + 1);
        return (c.price, c.round);
    }

    /// @inheritdoc IPricing
    function roundPrice(uint32 category, uint32 round) external view returns (uint256) {
        return _rounds[category][round].price;
    }

    /// @inheritdoc IDynamicPricing
    function roundInfo(uint32 category, uint32 round) external view returns (uint256 price, uint256 startedAt) {
        Round storage r = _rounds[category][round];
        return (r.price, r.startedAt);
    }

    /**
     * @inheritdoc IDynamicPricing
     * @dev Reverts with the named error of an invalid parameter or {PricingZeroSupply}.
     */
    function computePrice(uint256 demand, uint256 supply, PriceParams calldata params)
        external
        pure
        returns (uint256)
    {
        PriceParams memory p = params;
        PriceMath.validate(p);
        return PriceMath.price(demand, supply, p);
    }

    /// @inheritdoc IDynamicPricing
    function categoryConfig(uint32 category) external view returns (CategoryConfig memory) {
        Category storage c = _configured(category);
        return CategoryConfig({price: _params(c), roundLength: c.roundLength});
    }

    /// @inheritdoc IDynamicPricing
    function roundState(uint32 category) external view returns (RoundState memory) {
        Category storage c = _configured(category);
        return RoundState({
            round: c.round,
            price: c.price,
            startedAt: _rounds[category][c.round].startedAt,
            endsAt: c.endsAt,
            supply: c.supply,
            demand: c.demand
        });
    }

    /// @inheritdoc IDynamicPricing
    function marketplace() external view returns (address) {
        return _marketplace;
    }

    /// @inheritdoc IDynamicPricing
    function governance() external view returns (address) {
        return _governance;
    }

    /// @inheritdoc IDynamicPricing
    function alliance() external view returns (address) {
        return address(_alliance);
    }

    function _configured(uint32 category) private view returns (Category storage c) {
        c = _categories[category];
        if (c.round == 0) revert PricingCategoryNotConfigured(category);
    }

    /// @dev The category with its due round opened.
    function _current(uint32 category) private returns (Category storage c) {
        c = _configured(category);
        if (block.timestamp >= c.endsAt) _advance(category, c);
    }

    function _advance(uint32 category, Category storage c) private returns (uint32 round, uint256 price) {
        uint256 demand = c.demand;
        uint256 supply = c.supply;
        price = _nextPrice(c);
        round = c.round + 1;
        c.demand = 0;
        _open(category, c, round, price, demand, supply);
    }

    function _open(uint32 category, Category storage c, uint32 round, uint256 price, uint256 demand, uint256 supply)
        private
    {
        uint256 endsAt = block.timestamp + c.roundLength;
        c.price = uint128(price);
        c.round = round;
        c.endsAt = uint40(endsAt);
        _rounds[category][round] = Round({price: uint128(price), startedAt: uint64(block.timestamp)});
        emit RoundOpened(category, round, price, demand, supply, endsAt);
    }

    /**
     * @dev Price of the round after the current one. Zero supply has no ratio; its rule is
     * the formula's limit: p_balance when nothing was ordered either (D = 0), the ceiling
     * p_balance + p_vol when something was (R -> infinity).
     */
    function _nextPrice(Category storage c) private view returns (uint256) {
        uint256 supply = c.supply;
        uint256 demand = c.demand;
        if (supply == 0) return demand == 0 ? c.pBalance : uint256(c.pBalance) + c.pVol;
        return PriceMath.price(demand, supply, _params(c));
    }

    function _params(Category storage c) private view returns (PriceParams memory) {
        return PriceParams({pBalance: c.pBalance, pVol: c.pVol, k: c.k, logRatioBound: c.logRatioBound});
    }
}
