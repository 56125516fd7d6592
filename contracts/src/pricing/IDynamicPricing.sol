// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPricing} from "../interfaces/IPricing.sol";

/**
 * @title IDynamicPricing
 * @notice Round-based dynamic pricing from aggregate supply and demand (SPEC.md section 3,
 * docs/pricing.md). Extends the Marketplace-facing {IPricing} with configuration, round
 * management and the pure price function, and declares the errors and events of
 * {DynamicPricing} and {PriceMath}.
 */
interface IDynamicPricing is IPricing {
    /**
     * @notice Inputs of the price function. `pBalance` and `pVol` are in settlement-token
     * base units (18 decimals: 150 tokens = 150e18); `logRatioBound` is L, the log10 of the
     * largest demand/supply ratio the market expects, in 18-decimal fixed point.
     */
    struct PriceParams {
        uint256 pBalance;
        uint256 pVol;
        uint8 k;
        uint256 logRatioBound;
    }

    /// @notice The pricing of one category, fixed once configured.
    struct CategoryConfig {
        PriceParams price;
        /// Length of a round in seconds.
        uint256 roundLength;
    }

    /**
     * @notice The open round of a category. `supply` is the standing supply (every active
     * listing's quantity), `demand` the quantity ordered so far in this round.
     */
    struct RoundState {
        uint32 round;
        uint256 price;
        uint256 startedAt;
        uint256 endsAt;
        uint256 supply;
        uint256 demand;
    }

    // ---- price function ----
    /// @dev k must be an odd integer of at least 1 (uint8 caps it at 255).
    error PricingInvalidExponent(uint256 k);
    /// @dev p_balance must be positive and at most 2^127 - 1 base units.
    error PricingInvalidBalancePrice(uint256 pBalance);
    /// @dev p_vol above p_balance would allow negative prices.
    error PricingVolatilityExceedsBalance(uint256 pVol, uint256 pBalance);
    /// @dev L must be positive and at most 77e18 (log10 of 2^256).
    error PricingInvalidLogRatioBound(uint256 logRatioBound);
    /// @dev R = demand / supply is undefined for zero supply.
    error PricingZeroSupply(uint256 demand);

    // ---- configuration and roles ----
    error PricingZeroAddress();
    error PricingNotGovernance(address caller);
    error PricingNotPlatform(address caller);
    /// @dev Round length must be between 1 second and 365 days.
    error PricingInvalidRoundLength(uint256 roundLength);
    error PricingCategoryAlreadyConfigured(uint32 category);
    error PricingCategoryNotConfigured(uint32 category);

    // ---- rounds and quantities ----
    error PricingRoundNotEnded(uint32 category, uint32 round, uint256 endsAt);
    error PricingZeroQuantity(uint32 category);
    error PricingQuantityOverflow(uint32 category, uint256 total, uint256 quantity);
    error PricingSupplyUnderflow(uint32 category, uint256 supply, uint256 quantity);

    /// @notice The one Marketplace allowed to record supply and demand (emitted at deployment).
    event MarketplaceBound(address indexed marketplace);
    /// @notice A category's pricing was configured; round 1 opened at p_balance.
    event CategoryConfigured(
        uint32 indexed category, uint256 pBalance, uint256 pVol, uint8 k, uint256 logRatioBound, uint256 roundLength
    );
    /**
     * @notice `round` opened at `price`, computed from the previous round's `demand` and the
     * standing `supply` when it ended (both zero for round 1, which is priced at p_balance).
     */
    event RoundOpened(
        uint32 indexed category, uint32 indexed round, uint256 price, uint256 demand, uint256 supply, uint256 endsAt
    );
    /// @notice Standing supply rose by `quantity` to `supply`.
    event SupplyRecorded(uint32 indexed category, uint32 indexed round, uint256 quantity, uint256 supply);
    /// @notice Standing supply fell by `quantity` to `supply`.
    event SupplyRemoved(uint32 indexed category, uint32 indexed round, uint256 quantity, uint256 supply);

    /// @notice Fixes the pricing of `category` and opens its round 1. Only governance, once.
    function configureCategory(uint32 category, CategoryConfig calldata config) external;

    /// @notice Closes the ended round of `category` and opens the next. Only the platform.
    function advanceRound(uint32 category) external returns (uint32 round, uint256 price);

    /// @notice The price function itself, with parameter validation; records nothing.
    function computePrice(uint256 demand, uint256 supply, PriceParams calldata params)
        external
        pure
        returns (uint256);

    function categoryConfig(uint32 category) external view returns (CategoryConfig memory);

    function roundState(uint32 category) external view returns (RoundState memory);

    /// @notice Price and opening time of a past or current round (zeros if never opened).
    function roundInfo(uint32 category, uint32 round) external view returns (uint256 price, uint256 startedAt);

    function marketplace() external view returns (address);

    function governance() external view returns (address);

    function alliance() external view returns (address);
}
