// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/**
 * @title AllianceCredit
 * @notice The alliance's settlement token (SPEC.md section 2.8): an ERC-20 credit with
 * 18 decimals that members deposit into the Marketplace. Credits are issued by the
 * alliance treasury (MINTER_ROLE) against off-chain payment; nobody else can create them.
 */
contract AllianceCredit is ERC20, ERC20Permit, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    constructor(address admin) ERC20("Alliance Credit", "ACR") ERC20Permit("Alliance Credit") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /**
     * @notice Issues `amount` credits to `to`.
     *
     * Requirements: the caller has MINTER_ROLE.
     *
     * Emits a {Transfer} event from the zero address.
     */
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
