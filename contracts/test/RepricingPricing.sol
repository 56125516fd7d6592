// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPricing} from "../src/interfaces/IPricing.sol";

/**
 * @title RepricingPricing
 * @notice Test-only {IPricing} whose prices its deployer can change at any time, including
 * the recorded price of a past round: it simulates a faulty or manipulated price source so
 * that the Marketplace's "price abnormal" check can see a trade price that differs from the
 * round's price. Never deploy outside tests.
 */
contract RepricingPricing is IPricing {
    address private immutable _owner;
    address private immutable _marketplace;
    uint256 private _price;
    uint32 private _round;

    mapping(uint32 category => mapping(uint32 round => uint256)) private _roundPrices;
    mapping(uint32 category => uint256) public supply;
    mapping(uint32 category => uint256) public demand;

    error RepricingNotOwner(address caller);

    constructor(uint256 price_, address marketplace_) {
        _owner = msg.sender;
        _marketplace = marketplace_;
        _price = price_;
        _round = 1;
    }

    modifier onlyOwner() {
        if (msg.sender != _owner) revert RepricingNotOwner(msg.sender);
        _;
    }

    modifier onlyMarketplace() {
        if (msg.sender != _marketplace) revert PricingUnauthorizedCaller(msg.sender);
        _;
    }

    /// @notice Price (and round) that the next orders get.
    function setPrice(uint256 price_, uint32 round_) external onlyOwner {
        _price = price_;
        _round = round_;
    }

    /// @notice Rewrites the recorded price of a round after the fact.
    function setRoundPrice(uint32 category, uint32 round, uint256 price_) external onlyOwner {
        _roundPrices[category][round] = price_;
    }

    function recordSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        supply[category] += quantity;
    }

    function removeSupply(uint32 category, uint256 quantity) external onlyMarketplace {
        uint256 s = supply[category];
        supply[category] = quantity > s ? 0 : s - quantity;
    }

    function recordDemand(uint32 category, uint256 quantity) external onlyMarketplace returns (uint256, uint32) {
        demand[category] += quantity;
        if (_roundPrices[category][_round] == 0) _roundPrices[category][_round] = _price;
        return (_price, _round);
    }

    function quote(uint32) external view returns (uint256, uint32) {
        return (_price, _round);
    }

    function roundPrice(uint32 category, uint32 round) external view returns (uint256) {
        return _roundPrices[category][round];
    }
}
