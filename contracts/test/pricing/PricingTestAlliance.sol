// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAlliance} from "../../src/interfaces/IAlliance.sol";

/**
 * @title PricingTestAlliance
 * @notice Test-only {IAlliance}: whoever deploys it marks keys active for a role. Lets the
 * pricing tests and gas bench run without the real membership workflow.
 */
contract PricingTestAlliance is IAlliance {
    mapping(address key => Role) private _roles;
    mapping(address key => bool) private _active;

    function setActive(address key, Role role, bool active) external {
        _roles[key] = role;
        _active[key] = active;
    }

    function isActive(address key, Role role) external view returns (bool) {
        return _active[key] && _roles[key] == role;
    }

    function activeOrgOf(address key, Role role) public view returns (address) {
        return _active[key] && _roles[key] == role ? key : address(0);
    }

    function activeOrgsOf(address keyA, Role roleA, address keyB, Role roleB) external view returns (address, address) {
        return (activeOrgOf(keyA, roleA), activeOrgOf(keyB, roleB));
    }

    function keyInfo(address key) external view returns (address org, Role role) {
        return (_active[key] ? key : address(0), _roles[key]);
    }

    function member(address org) external view returns (MemberStatus status, uint256 rolesMask) {
        return (_active[org] ? MemberStatus.Admitted : MemberStatus.None, uint256(1) << uint8(_roles[org]));
    }
}
