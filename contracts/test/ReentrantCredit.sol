// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title ReentrantCredit
 * @notice Test-only malicious settlement token. Once armed, its next `transfer` or
 * `transferFrom` first calls `target` with a chosen payload (from the token's own address,
 * before moving any balance), e.g. `Marketplace.withdraw` again while the Marketplace is
 * paying out. With `swallow` the nested call's failure is recorded and the transfer goes
 * on; without it the nested revert bubbles up through the outer call.
 *
 * The token can also act as a Marketplace account itself ({execute}, {approveFromSelf}),
 * so a re-entrant `withdraw` is a real double-withdraw attempt by the same account.
 */
contract ReentrantCredit is ERC20 {
    enum Hook {
        None,
        OnTransfer,
        OnTransferFrom
    }

    Hook public hook;
    bool public swallow;
    address public target;
    bytes private _payload;

    /// @notice What the last nested call did.
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryReturnData;

    constructor() ERC20("Reentrant Credit", "RCR") {}

    /// @notice Anyone may mint: the token is the attacker's own.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for the next `transfer` or `transferFrom` (fires once).
    function arm(Hook hook_, address target_, bytes calldata payload, bool swallow_) external {
        hook = hook_;
        target = target_;
        _payload = payload;
        swallow = swallow_;
        reentered = false;
        reentrySucceeded = false;
        delete reentryReturnData;
    }

    /// @notice Lets the token call `target_` as itself (to hold a Marketplace account).
    function execute(address target_, bytes calldata data) external returns (bytes memory ret) {
        bool ok;
        (ok, ret) = target_.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// @notice Approves `spender` to pull the token's own balance.
    function approveFromSelf(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter(Hook.OnTransfer);
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _reenter(Hook.OnTransferFrom);
        return super.transferFrom(from, to, value);
    }

    function _reenter(Hook when) private {
        if (hook != when) return;
        hook = Hook.None;
        reentered = true;
        (bool ok, bytes memory ret) = target.call(_payload);
        reentrySucceeded = ok;
        reentryReturnData = ret;
        if (!ok && !swallow) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}
