// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable2Step, Ownable} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IAlliance} from "./interfaces/IAlliance.sol";

/**
 * @title Alliance
 * @notice Member organisations, their roles and their function keys (SPEC.md sections 1, 4
 * "access" and 7).
 *
 * An organisation is identified by its administrative address. It applies with the roles
 * it wants (any but Supervisor); an active supervisor of another organisation admits it;
 * then the organisation binds one function key per granted role. A key acts for exactly
 * one role of one organisation, so a leaked trading key exposes trading only and can be
 * replaced with {bindKey} without touching the other keys. Supervisor organisations are
 * appointed by governance (the owner), which can do nothing else: it cannot admit,
 * suspend, or act for any member.
 *
 * Every order checks two keys, so a key's binding also caches whether it may act now
 * (`active`: its organisation is admitted and holds the key's role) and {activeOrgOf} reads
 * one storage slot. Whatever changes an organisation's status or roles recomputes the flag
 * of each key it has bound ({_syncKeys}), in the same transaction.
 */
contract Alliance is IAlliance, Ownable2Step {
    uint256 private constant SUPERVISOR_BIT = 1 << uint256(uint8(Role.Supervisor));
    uint256 private constant ALL_ROLES = (1 << 8) - 1;
    uint256 private constant ARBITRATOR_BIT = 1 << uint256(uint8(Role.Arbitrator));
    /// @dev An arbitrator must not judge trades its own organisation could be party to.
    uint256 private constant TRADER_BITS = (1 << uint256(uint8(Role.Seller))) | (1 << uint256(uint8(Role.Buyer)));

    struct Member {
        MemberStatus status;
        uint8 rolesMask; // granted roles, bit i = Role i
        uint8 keyRoles; // roles with a bound key, bit i = Role i
    }

    /// @dev Invariant: active == (the org is Admitted and its rolesMask holds `role`).
    struct KeyBinding {
        address org;
        Role role;
        bool active;
    }

    mapping(address org => Member) private _members;
    mapping(address key => KeyBinding) private _keys;
    mapping(address org => mapping(Role => address)) private _currentKey;

    constructor(address governance) Ownable(governance) {}

    modifier onlySupervisor() {
        if (!isActive(msg.sender, Role.Supervisor)) revert AllianceNotSupervisor(msg.sender);
        _;
    }

    // ───────────────────────────── governance ─────────────────────────────

    /**
     * @notice Appoints `org` as a supervisor organisation, admitting it if needed.
     *
     * Requirements: caller is governance; `org` is not the zero address.
     *
     * Emits {SupervisorAdded} (and {MemberAdmitted} when the organisation was not admitted).
     */
    function addSupervisor(address org, string calldata name) external onlyOwner {
        if (org == address(0)) revert AllianceZeroAddress();
        Member storage m = _members[org];
        // Governance appoints supervisors; it cannot lift a supervisor's suspension this way.
        if (m.status == MemberStatus.Suspended) revert AllianceInvalidStatus(org, m.status);
        m.rolesMask |= uint8(SUPERVISOR_BIT);
        if (m.status != MemberStatus.Admitted) {
            if (m.status == MemberStatus.None) emit MemberApplied(org, name, m.rolesMask);
            m.status = MemberStatus.Admitted;
            emit MemberAdmitted(org, msg.sender, m.rolesMask);
        }
        _syncKeys(org, m);
        emit SupervisorAdded(org);
    }

    /**
     * @notice Withdraws the supervisor role from `org`; its supervisor key stops acting.
     *
     * Requirements: caller is governance; `org` holds the supervisor role.
     *
     * Emits {SupervisorRemoved}.
     */
    function removeSupervisor(address org) external onlyOwner {
        Member storage m = _members[org];
        if (m.rolesMask & SUPERVISOR_BIT == 0) revert AllianceRoleNotGranted(org, Role.Supervisor);
        m.rolesMask &= uint8(~SUPERVISOR_BIT);
        _syncKeys(org, m);
        emit SupervisorRemoved(org);
    }

    // ───────────────────────────── membership ─────────────────────────────

    /**
     * @notice The caller (an organisation's administrative address) applies for membership.
     *
     * Requirements: not applied before; `name` non-empty; `rolesMask` non-empty, only
     * defined roles and without the supervisor role (appointed by governance only); not the
     * arbitrator role together with seller or buyer (an arbitrator must not judge its own
     * organisation's trades).
     *
     * Emits {MemberApplied}.
     */
    function applyForMembership(string calldata name, uint256 rolesMask) external {
        if (_members[msg.sender].status != MemberStatus.None) revert AllianceAlreadyApplied(msg.sender);
        if (bytes(name).length == 0) revert AllianceEmptyName();
        if (rolesMask == 0 || rolesMask & ~ALL_ROLES != 0) revert AllianceNoRoles();
        if (rolesMask & SUPERVISOR_BIT != 0) revert AllianceRoleNotGranted(msg.sender, Role.Supervisor);
        if (rolesMask & ARBITRATOR_BIT != 0 && rolesMask & TRADER_BITS != 0) revert AllianceRoleConflict(msg.sender, rolesMask);
        _members[msg.sender] = Member(MemberStatus.Applied, uint8(rolesMask), 0);
        emit MemberApplied(msg.sender, name, rolesMask);
    }

    /**
     * @notice A supervisor admits an applicant: from now on its bound keys can act.
     *
     * Requirements: caller is an active supervisor key of another organisation; `org` applied.
     *
     * Emits {MemberAdmitted}.
     */
    function admit(address org) external onlySupervisor {
        if (_keys[msg.sender].org == org) revert AllianceSelfAdmission(msg.sender);
        Member storage m = _members[org];
        if (m.status != MemberStatus.Applied) revert AllianceInvalidStatus(org, m.status);
        m.status = MemberStatus.Admitted;
        _syncKeys(org, m);
        emit MemberAdmitted(org, msg.sender, m.rolesMask);
    }

    /**
     * @notice A supervisor suspends an admitted member: none of its keys can start new
     * business (it can still finish open trades and withdraw its money).
     *
     * Requirements: caller is an active supervisor key of another organisation; `org` admitted.
     *
     * Emits {MemberSuspended}.
     */
    function suspend(address org, string calldata reason) external onlySupervisor {
        if (_keys[msg.sender].org == org) revert AllianceSelfAdmission(msg.sender);
        Member storage m = _members[org];
        if (m.status != MemberStatus.Admitted) revert AllianceInvalidStatus(org, m.status);
        m.status = MemberStatus.Suspended;
        _syncKeys(org, m);
        emit MemberSuspended(org, msg.sender, reason);
    }

    /**
     * @notice A supervisor reinstates a suspended member.
     *
     * Requirements: caller is an active supervisor key; `org` suspended.
     *
     * Emits {MemberReinstated}.
     */
    function reinstate(address org) external onlySupervisor {
        Member storage m = _members[org];
        if (m.status != MemberStatus.Suspended) revert AllianceInvalidStatus(org, m.status);
        m.status = MemberStatus.Admitted;
        _syncKeys(org, m);
        emit MemberReinstated(org, msg.sender);
    }

    // ───────────────────────────── function keys ─────────────────────────────

    /**
     * @notice Binds `key` as the caller organisation's key for `role`, replacing (unbinding)
     * the previous key of that role — this is key rotation.
     *
     * Requirements: the caller applied or was admitted with `role`; `key` is non-zero and
     * not bound to anything yet.
     *
     * Emits {KeyBound}, preceded by {KeyUnbound} when a previous key is replaced.
     */
    function bindKey(Role role, address key) external {
        Member storage m = _members[msg.sender];
        if (m.status == MemberStatus.None) revert AllianceNotApplied(msg.sender);
        if (m.rolesMask & (1 << uint256(uint8(role))) == 0) revert AllianceRoleNotGranted(msg.sender, role);
        if (key == address(0)) revert AllianceZeroAddress();
        address boundTo = _keys[key].org;
        if (boundTo != address(0)) revert AllianceKeyAlreadyBound(key, boundTo);

        address previous = _currentKey[msg.sender][role];
        if (previous != address(0)) {
            delete _keys[previous];
            emit KeyUnbound(msg.sender, role, previous);
        }
        _keys[key] = KeyBinding(msg.sender, role, _mayAct(m, role));
        _currentKey[msg.sender][role] = key;
        m.keyRoles |= uint8(_bit(role));
        emit KeyBound(msg.sender, role, key);
    }

    /**
     * @notice Unbinds the caller organisation's key for `role` (e.g. after a leak).
     *
     * Requirements: a key is bound for that role.
     *
     * Emits {KeyUnbound}.
     */
    function unbindKey(Role role) external {
        address key = _currentKey[msg.sender][role];
        if (key == address(0)) revert AllianceKeyNotBound(address(0));
        delete _keys[key];
        delete _currentKey[msg.sender][role];
        _members[msg.sender].keyRoles &= uint8(~_bit(role));
        emit KeyUnbound(msg.sender, role, key);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IAlliance
    function isActive(address key, Role role) public view returns (bool) {
        return activeOrgOf(key, role) != address(0);
    }

    /// @inheritdoc IAlliance
    function activeOrgOf(address key, Role role) public view returns (address) {
        KeyBinding storage b = _keys[key];
        // `active` is false for an unbound key (the binding is deleted whole).
        return b.active && b.role == role ? b.org : address(0);
    }

    /// @inheritdoc IAlliance
    function activeOrgsOf(address keyA, Role roleA, address keyB, Role roleB)
        external
        view
        returns (address orgA, address orgB)
    {
        return (activeOrgOf(keyA, roleA), activeOrgOf(keyB, roleB));
    }

    /// @inheritdoc IAlliance
    function keyInfo(address key) external view returns (address org, Role role) {
        KeyBinding memory b = _keys[key];
        return (b.org, b.role);
    }

    /// @inheritdoc IAlliance
    function member(address org) external view returns (MemberStatus status, uint256 rolesMask) {
        Member memory m = _members[org];
        return (m.status, m.rolesMask);
    }

    /// @notice The key currently bound for `role` of `org` (zero if none).
    function keyOf(address org, Role role) external view returns (address) {
        return _currentKey[org][role];
    }

    // ───────────────────────────── internals ─────────────────────────────

    /// @dev Whether a key of `role` of member `m` may act: admitted and holding the role.
    function _mayAct(Member storage m, Role role) private view returns (bool) {
        return m.status == MemberStatus.Admitted && m.rolesMask & _bit(role) != 0;
    }

    function _bit(Role role) private pure returns (uint256) {
        return uint256(1) << uint8(role);
    }

    /// @dev Recomputes the cached `active` flag of every key `org` has bound; called by
    /// each function that changes the organisation's status or roles.
    function _syncKeys(address org, Member storage m) private {
        uint256 keyRoles = m.keyRoles;
        for (uint8 r = 0; keyRoles != 0; ++r) {
            Role role = Role(r);
            if (keyRoles & _bit(role) == 0) continue;
            keyRoles &= ~_bit(role);
            KeyBinding storage b = _keys[_currentKey[org][role]];
            bool active = _mayAct(m, role);
            if (b.active != active) b.active = active;
        }
    }
}
