// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IAlliance
 * @notice Membership registry of the alliance (SPEC.md sections 1 and 7). An organisation
 * applies with the roles it wants; a supervisor admits it; the organisation then binds one
 * function key per role (a key acts for exactly one role of one organisation), and can
 * rotate a key without touching the others. Supervisors can suspend and reinstate.
 */
interface IAlliance {
    /// @notice Roles of SPEC.md section 1. A key is bound to exactly one of them.
    enum Role {
        Seller,
        Buyer,
        Platform,
        Storage,
        Compute,
        Arbitrator,
        Supervisor,
        Validator
    }

    enum MemberStatus {
        None,
        Applied,
        Admitted,
        Suspended
    }

    error AllianceUnauthorized(address caller);
    error AllianceNotSupervisor(address caller);
    error AllianceAlreadyApplied(address org);
    error AllianceNotApplied(address org);
    error AllianceInvalidStatus(address org, MemberStatus status);
    error AllianceRoleNotGranted(address org, Role role);
    error AllianceKeyAlreadyBound(address key, address org);
    error AllianceKeyNotBound(address key);
    error AllianceEmptyName();
    error AllianceNoRoles();
    error AllianceSelfAdmission(address supervisor);
    error AllianceZeroAddress();
    error AllianceRoleConflict(address org, uint256 rolesMask);

    event SupervisorAdded(address indexed supervisor);
    event SupervisorRemoved(address indexed supervisor);
    event MemberApplied(address indexed org, string name, uint256 rolesMask);
    event MemberAdmitted(address indexed org, address indexed supervisor, uint256 rolesMask);
    event MemberSuspended(address indexed org, address indexed supervisor, string reason);
    event MemberReinstated(address indexed org, address indexed supervisor);
    event KeyBound(address indexed org, Role indexed role, address indexed key);
    event KeyUnbound(address indexed org, Role indexed role, address indexed key);

    /// @notice True when `key` is bound to `role` of an admitted (not suspended) organisation.
    function isActive(address key, Role role) external view returns (bool);

    /**
     * @notice The organisation `key` acts for when it is bound to `role` of an admitted
     * organisation that holds that role; the zero address otherwise. One call that both
     * checks a key and names its organisation.
     */
    function activeOrgOf(address key, Role role) external view returns (address org);

    /**
     * @notice {activeOrgOf} of two keys in one call: the Marketplace checks the buyer and
     * the seller of every order, and one call costs less than two.
     */
    function activeOrgsOf(address keyA, Role roleA, address keyB, Role roleB)
        external
        view
        returns (address orgA, address orgB);

    /// @notice The organisation and role a key acts for; org is zero for an unknown key.
    function keyInfo(address key) external view returns (address org, Role role);

    /// @notice Status and granted roles (bit i = Role i) of an organisation.
    function member(address org) external view returns (MemberStatus status, uint256 rolesMask);
}
