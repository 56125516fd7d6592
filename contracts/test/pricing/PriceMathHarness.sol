// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDynamicPricing} from "../../src/pricing/IDynamicPricing.sol";
import {PriceMath} from "../../src/pricing/PriceMath.sol";

/**
 * @title PriceMathHarness
 * @notice Test-only: exposes the internal functions of {PriceMath}, in batches so that a
 * property test can compare thousands of values with the TypeScript mirror in a few calls.
 */
contract PriceMathHarness {
    function log2(uint256 n) external pure returns (uint256) {
        return PriceMath.log2(n);
    }

    function log2Batch(uint256[] calldata ns) external pure returns (uint256[] memory out) {
        out = new uint256[](ns.length);
        for (uint256 i = 0; i < ns.length; ++i) {
            out[i] = PriceMath.log2(ns[i]);
        }
    }

    function curve(uint256 absLog2Ratio, uint8 k, uint256 logRatioBound) external pure returns (uint256) {
        return PriceMath.curve(absLog2Ratio, k, logRatioBound);
    }

    /// @notice PriceMath.price for each (demands[i], supplies[i], params[i]), parameters validated.
    function priceBatch(
        uint256[] calldata demands,
        uint256[] calldata supplies,
        IDynamicPricing.PriceParams[] calldata params
    ) external pure returns (uint256[] memory out) {
        out = new uint256[](demands.length);
        for (uint256 i = 0; i < demands.length; ++i) {
            IDynamicPricing.PriceParams memory p = params[i];
            PriceMath.validate(p);
            out[i] = PriceMath.price(demands[i], supplies[i], p);
        }
    }
}
