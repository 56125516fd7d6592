// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IPricing
 * @notice The price source of the Marketplace (SPEC.md section 3). The Marketplace never
 * takes a price from a caller: it asks this contract, which records the supply and demand
 * that drive the price, so any party can recompute any trade's price.
 *
 * Prices are in base units of the settlement token per unit of data (one licence).
 * Rounds are numbered per category from 1; round 0 means "no round".
 */
interface IPricing {
    /// @dev The caller is not the marketplace this pricing contract serves.
    error PricingUnauthorizedCaller(address caller);

    /// @notice Records `quantity` units offered for sale in `category` (a listing was created).
    function recordSupply(uint32 category, uint256 quantity) external;

    /// @notice Removes `quantity` units of supply from `category` (a listing was withdrawn).
    function removeSupply(uint32 category, uint256 quantity) external;

    /**
     * @notice Records `quantity` units of demand in `category` and returns the unit price of
     * a trade made now together with the round whose price it is.
     */
    function recordDemand(uint32 category, uint256 quantity) external returns (uint256 price, uint32 round);

    /// @notice The unit price and round a trade in `category` would get now; records nothing.
    function quote(uint32 category) external view returns (uint256 price, uint32 round);

    /// @notice The unit price of `round` in `category`, or 0 if that round was never priced.
    function roundPrice(uint32 category, uint32 round) external view returns (uint256);
}
