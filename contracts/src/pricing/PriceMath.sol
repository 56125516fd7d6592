// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDynamicPricing} from "./IDynamicPricing.sol";

/**
 * @title PriceMath
 * @notice The dynamic price of SPEC.md section 3 in fixed point:
 *
 *     p = pBalance + sgn(De - S) * pVol * min(1, |log10(De / S)| / L)^k
 *
 * mirrored bit for bit by `priceFixed` in src/pricing/priceMath.ts. Every step rounds
 * toward zero and the sign comes from comparing the integers De and S, so the result is
 * exactly symmetric in log R and non-decreasing in De (non-increasing in S).
 *
 * Precision (docs/pricing.md): log2 of each quantity is less than 2e-18 below the exact
 * value, so |p - p_exact| < pVol * k * (2 / (L * log2(10)) + 3) * 1e-18 + 1 base unit;
 * for the seed's parameters (pVol 50e18, k 9, L 0.42) under 2e-15 tokens.
 *
 * Rules at the edges: De == S gives pBalance; De == 0 < S gives pBalance - pVol (the
 * limit R -> 0); S == 0 has no ratio and reverts with {PricingZeroSupply}.
 */
library PriceMath {
    /// @dev One in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @dev floor(log2(10) * 1e18).
    uint256 internal constant LOG2_10 = 3_321_928_094_887_362_347;
    /// @dev 2^127 - 1, so that pBalance + pVol always fits in 128 bits.
    uint256 internal constant MAX_BALANCE_PRICE = type(uint128).max >> 1;
    /// @dev log10(2^256) = 77.06: no pair of quantities has a larger |log10 R|.
    uint256 internal constant MAX_LOG_RATIO_BOUND = 77e18;

    /**
     * @notice Reverts with the named error of the first invalid parameter.
     *
     * Requirements: k odd; 0 < pBalance <= 2^127 - 1; pVol <= pBalance;
     * 0 < logRatioBound <= 77e18.
     */
    function validate(IDynamicPricing.PriceParams memory p) internal pure {
        if (p.k % 2 == 0) revert IDynamicPricing.PricingInvalidExponent(p.k);
        if (p.pBalance == 0 || p.pBalance > MAX_BALANCE_PRICE) {
            revert IDynamicPricing.PricingInvalidBalancePrice(p.pBalance);
        }
        if (p.pVol > p.pBalance) revert IDynamicPricing.PricingVolatilityExceedsBalance(p.pVol, p.pBalance);
        if (p.logRatioBound == 0 || p.logRatioBound > MAX_LOG_RATIO_BOUND) {
            revert IDynamicPricing.PricingInvalidLogRatioBound(p.logRatioBound);
        }
    }

    /**
     * @notice Unit price for `demand` against `supply` under validated parameters `p`.
     *
     * Requirements: `supply` > 0.
     */
    function price(uint256 demand, uint256 supply, IDynamicPricing.PriceParams memory p)
        internal
        pure
        returns (uint256)
    {
        if (supply == 0) revert IDynamicPricing.PricingZeroSupply(demand);
        if (demand == supply) return p.pBalance;
        if (demand == 0) return p.pBalance - p.pVol;
        bool up = demand > supply;
        // log2 is monotone, so the larger quantity has the larger (or equal) logarithm.
        uint256 absLog2Ratio = up ? log2(demand) - log2(supply) : log2(supply) - log2(demand);
        uint256 delta = (p.pVol * curve(absLog2Ratio, p.k, p.logRatioBound)) / WAD;
        return up ? p.pBalance + delta : p.pBalance - delta;
    }

    /**
     * @notice min(1, |log10 R| / L)^k in WAD, from |log2 R| in WAD.
     * @dev |log10 R| / L = |log2 R| / (L * log2 10); the product L * LOG2_10 is formed
     * first so that there is a single division. x^k by squaring, truncating each product
     * (at most 14 multiplications; error at most k - 1 units plus k times x's error).
     */
    function curve(uint256 absLog2Ratio, uint8 k, uint256 logRatioBound) internal pure returns (uint256 y) {
        uint256 x = (absLog2Ratio * WAD * WAD) / (logRatioBound * LOG2_10);
        if (x >= WAD) return WAD;
        unchecked {
            // x, y <= WAD, so no product reaches 1e36.
            y = k & 1 == 1 ? x : WAD;
            for (uint256 e = k >> 1; e != 0; e >>= 1) {
                x = (x * x) / WAD;
                if (e & 1 == 1) y = (y * x) / WAD;
            }
        }
    }

    /**
     * @notice Binary logarithm of a positive integer in WAD, rounded down (within 2e-18).
     * @dev Integer part from the most significant bit; 64 fraction bits by repeated
     * squaring of the mantissa held in Q1.127 (it never exceeds 2^129 before halving, so
     * the square fits in 256 bits); then one conversion to WAD. Each step is monotone, so
     * log2 is non-decreasing in n.
     */
    function log2(uint256 n) internal pure returns (uint256 result) {
        uint256 m = Math.log2(n);
        uint256 y = m >= 127 ? n >> (m - 127) : n << (127 - m);
        // Assembly for the 64-step loop only (branch-free, no overflow checks: y < 2^128, so
        // y * y < 2^256); it runs twice per price. Mirrored step for step in priceMath.ts.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let frac := 0
            for { let bit := shl(63, 1) } bit { bit := shr(1, bit) } {
                y := shr(127, mul(y, y))
                // carry = 1 when the square reached 2.0: that fraction bit is set and y halves.
                let carry := shr(128, y)
                frac := or(frac, mul(bit, carry))
                y := shr(carry, y)
            }
            result := shr(64, mul(or(shl(64, m), frac), WAD))
        }
    }
}
