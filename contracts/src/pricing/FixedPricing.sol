// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPricing} from "../interfaces/IPricing.sol";

/**
 * @title FixedPricing
 * @notice The first IPricing implementation: one constant unit price for every category,
 * fixed at deployment, in a single perpetual round 1. Nobody can change it afterwards, so
 * the platform cannot move prices. It counts the supply offered per category;
 * demand is the Marketplace's TradeOpened events.
 */
contract FixedPricing is IPricing {
    uint256 private immutable _price;
    address private immutable _marketplace;

    mapping(uint32 category => uint256) private _supply;

    /// @notice Emitted when the supply offered in a category changes.
    event PricingSupplyUpdated(uint32 indexed category, uint256 supply);

    constructor(uint256 price_, address marketplace_) {
        _price = price_;
        _marketplace = marketplace_;
    }

    modifier onlyMarketplace() {
        if (msg.sender != _marketplace) revert PricingUnauthorizedCaller(msg.sender);
        _;
    }

    function recordSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        uint256 s = _supply[category] + quantity;
        _supply[category] = s;
        emit PricingSupplyUpdated(category, s);
    }

    function removeSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        uint256 s = _supply[category];
        s = quantity > s ? 0 : s - quantity;
        _supply[category] = s;
        emit PricingSupplyUpdated(category, s);
    }

    /// @dev A fixed price needs no demand figures: orders are counted by the Marketplace's
    /// TradeOpened events, so this keeps the order path as cheap as possible.
    function recordDemand(uint32, uint256) external view onlyMarketplace returns (uint256, uint32) {
        return (_price, 1);
    }

    function quote(uint32) external view returns (uint256, uint32) {
        return (_price, 1);
    }

    function roundPrice(uint32, uint32 round) external view returns (uint256) {
        return round == 1 ? _price : 0;
    }
}
