// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAlliance} from "./interfaces/IAlliance.sol";
import {ISupervision} from "./interfaces/ISupervision.sol";

/**
 * @title Supervision
 * @notice The on-chain half of whole-trade supervision (SPEC.md section 4, seed 002;
 * src/supervision/README.md): who may read a trade's private supervision records, and the
 * commitments that make the off-chain records tamper-evident.
 *
 * - Encryption keys: each organisation publishes the public key that channel keys are
 *   wrapped to ({publishEncryptionKey}, by its administrative address).
 * - Channels: one per trade (`channelId` = trade id). The platform opens them in batches
 *   ({openChannels}); each member organisation must be admitted in the Alliance (access
 *   before trading); supervisors that oversee all trades ({oversee}) are added by this
 *   contract, not by the platform; any supervisor may {join} a channel later. One storage
 *   slot per channel holds the hash chain of kind, members, supervisors and joins.
 * - Anchoring: the platform commits the Merkle root of a batch of channel heads
 *   ({commitHeads}); the transaction's signature is the signed tree head.
 *
 * The platform is the organisation of any active `Platform` key in the Alliance. It is
 * trusted for availability only: it cannot leave out an overseer, open a channel twice,
 * open one with a non-admitted organisation, or rewrite a committed batch. It is not trusted
 * to pick a channel's members right either; this contract cannot see trades, so the
 * off-chain audit (`bourse trace audit`) checks every channel's members against its trade.
 */
contract Supervision is ISupervision {
    /// @notice Bound on {overseers}: each one costs an Alliance read per {openChannels} batch.
    uint256 public constant MAX_OVERSEERS = 16;

    /// @dev secp256k1 field prime, and (p + 1) / 4: y = (x^3 + 7)^((p+1)/4) is a square root when one exists (p % 4 == 3).
    uint256 private constant FIELD_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 private constant SQRT_EXPONENT = (FIELD_P + 1) / 4;
    /// @dev The EIP-198 modular exponentiation precompile.
    address private constant MODEXP = address(0x05);
    uint256 private constant SUPERVISOR_BIT = 1 << uint256(uint8(IAlliance.Role.Supervisor));

    /// @dev A compressed point in two slots: the x coordinate and its 0x02/0x03 prefix.
    struct EncryptionKey {
        bytes32 x;
        bytes1 prefix;
    }

    struct Batch {
        bytes32 root;
        uint64 committedAt;
    }

    IAlliance private immutable _alliance;
    address private immutable _marketplace;

    mapping(uint256 channelId => bytes32) private _channels;
    mapping(address org => EncryptionKey) private _encryptionKeys;
    mapping(uint256 batch => Batch) private _batches;
    uint256 private _batchCount;
    address[] private _overseers;
    /// @dev Position in `_overseers` plus one; zero for an organisation not overseeing.
    mapping(address org => uint256) private _overseerSlot;

    /**
     * @param alliance_ membership registry: roles, keys and admission
     * @param marketplace_ the Marketplace whose trades the channels supervise (recorded for
     * discovery and for checking a deployment record, see {configuration})
     */
    constructor(IAlliance alliance_, address marketplace_) {
        if (address(alliance_) == address(0)) revert SupervisionInvalidConfiguration("alliance");
        if (marketplace_ == address(0)) revert SupervisionInvalidConfiguration("marketplace");
        _alliance = alliance_;
        _marketplace = marketplace_;
    }

    // ───────────────────────────── encryption keys ─────────────────────────────

    /**
     * @notice Publishes the caller organisation's encryption public key, replacing any
     * previous one (key rotation). Channel keys are wrapped to it (static-static ECDH).
     *
     * Requirements: the caller is an organisation's administrative address that applied or
     * was admitted; `publicKey` is a 33-byte compressed secp256k1 point (prefix 0x02 or
     * 0x03, x below the field prime, x^3 + 7 a square — checked with the modexp precompile,
     * about 1,500 gas).
     *
     * Emits {EncryptionKeyPublished}.
     */
    function publishEncryptionKey(bytes calldata publicKey) external {
        (IAlliance.MemberStatus status, ) = _alliance.member(msg.sender);
        if (status != IAlliance.MemberStatus.Applied && status != IAlliance.MemberStatus.Admitted) {
            revert SupervisionNotMember(msg.sender, status);
        }
        if (publicKey.length != 33 || (publicKey[0] != 0x02 && publicKey[0] != 0x03) || !_onCurve(uint256(bytes32(publicKey[1:33])))) {
            revert SupervisionInvalidEncryptionKey(msg.sender, publicKey);
        }
        _encryptionKeys[msg.sender] = EncryptionKey(bytes32(publicKey[1:33]), publicKey[0]);
        emit EncryptionKeyPublished(msg.sender, publicKey);
    }

    // ───────────────────────────── oversight ─────────────────────────────

    /**
     * @notice The caller's supervisor organisation starts (`all`) or stops overseeing every
     * channel opened from now on; channels already open are not changed ({join} them).
     *
     * Requirements: the caller is an active Supervisor key; its organisation is not already
     * in the requested state; at most {MAX_OVERSEERS} overseers.
     *
     * Emits {OversightChanged}.
     */
    function oversee(bool all) external {
        address org = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Supervisor);
        if (org == address(0)) revert SupervisionNotSupervisor(msg.sender);
        bool overseeing = _overseerSlot[org] != 0;
        if (overseeing == all) revert SupervisionOversightUnchanged(org, all);
        if (all) {
            uint256 count = _overseers.length;
            if (count >= MAX_OVERSEERS) revert SupervisionTooManyOverseers(MAX_OVERSEERS);
            _overseers.push(org);
            _overseerSlot[org] = count + 1;
        } else {
            _removeOverseer(org);
        }
        emit OversightChanged(org, all);
    }

    /**
     * @notice Removes an overseer that is no longer an admitted supervisor organisation
     * (suspended, or its supervisor role withdrawn), freeing its place in the bounded list.
     * Such an overseer is already left out of new channels; anyone may tidy it away.
     *
     * Requirements: `org` oversees; it is not an admitted organisation holding the
     * supervisor role.
     *
     * Emits {OversightChanged} with `all` false.
     */
    function dropOverseer(address org) external {
        if (_overseerSlot[org] == 0) revert SupervisionOversightUnchanged(org, false);
        if (_isSupervisorOrg(org)) revert SupervisionOverseerStillActive(org);
        _removeOverseer(org);
        emit OversightChanged(org, false);
    }

    // ───────────────────────────── channels ─────────────────────────────

    /**
     * @notice Opens one channel per entry, each with the current overseers as supervisors.
     * Stores one slot per channel: `keccak256(abi.encode(kind, members, supervisors))`.
     *
     * The platform chooses `kind` and `members`; this contract checks their shape and that
     * every member is admitted, but cannot check that they are the trade's parties — the
     * off-chain audit does (src/supervision/README.md).
     *
     * Requirements: the caller is an active Platform key; at least one entry; for each: the
     * channel was never opened; `kind` is not None and `members` has its count (2, 3 or 4);
     * members are distinct organisations, each Admitted; `members[1]` is the caller's
     * organisation.
     *
     * Emits {ChannelOpened} for each channel.
     */
    function openChannels(ChannelOpening[] calldata openings) external {
        address platform = _platformOrg();
        uint256 count = openings.length;
        if (count == 0) revert SupervisionNoChannels();
        address[] memory supervisors = _activeOverseers();
        for (uint256 i = 0; i < count; ++i) {
            ChannelOpening calldata o = openings[i];
            _checkOpening(o, platform);
            _channels[o.channelId] = keccak256(abi.encode(o.kind, o.members, supervisors));
            emit ChannelOpened(o.channelId, o.kind, o.members, supervisors);
        }
    }

    /**
     * @notice The caller's supervisor organisation joins an opened channel:
     * `state = keccak256(abi.encode(state, supervisorOrg))`.
     *
     * A supervisor already in the channel may join again: telling would need the member list
     * (calldata) or one more slot per join (20,000 gas) for no gain in access, so the
     * off-chain side de-duplicates (the hash chain still records every join).
     *
     * Requirements: the caller is an active Supervisor key; the channel is open.
     *
     * Emits {SupervisorJoined}.
     */
    function join(uint256 channelId) external {
        address org = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Supervisor);
        if (org == address(0)) revert SupervisionNotSupervisor(msg.sender);
        bytes32 state = _channels[channelId];
        if (state == bytes32(0)) revert SupervisionChannelNotFound(channelId);
        _channels[channelId] = keccak256(abi.encode(state, org));
        emit SupervisorJoined(channelId, org);
    }

    // ───────────────────────────── anchoring ─────────────────────────────

    /**
     * @notice Commits the root of a batch tree of channel heads (src/supervision/README.md,
     * "Anchoring"); batches are numbered 0, 1, 2, … in commit order.
     *
     * Requirements: the caller is an active Platform key; `root` non-zero; `heads` > 0;
     * `records` >= `heads` (every head in a batch covers at least one new record).
     *
     * Emits {HeadsCommitted} naming the platform organisation.
     */
    function commitHeads(bytes32 root, uint32 heads, uint64 records) external returns (uint256 batch) {
        address platform = _platformOrg();
        if (root == bytes32(0)) revert SupervisionZeroRoot();
        if (heads == 0) revert SupervisionNoHeads();
        if (records < heads) revert SupervisionFewerRecordsThanHeads(heads, records);
        batch = _batchCount;
        _batchCount = batch + 1;
        _batches[batch] = Batch(root, uint64(block.timestamp));
        emit HeadsCommitted(batch, root, heads, records, platform);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc ISupervision
    function channelState(uint256 channelId) external view returns (bytes32) {
        return _channels[channelId];
    }

    /// @inheritdoc ISupervision
    function batchRoot(uint256 batch) external view returns (bytes32 root, uint64 committedAt) {
        Batch storage b = _batches[batch];
        return (b.root, b.committedAt);
    }

    /// @inheritdoc ISupervision
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @inheritdoc ISupervision
    function encryptionKeyOf(address org) external view returns (bytes memory) {
        EncryptionKey storage k = _encryptionKeys[org];
        if (k.prefix == 0) return "";
        return abi.encodePacked(k.prefix, k.x);
    }

    /// @inheritdoc ISupervision
    function overseers() external view returns (address[] memory) {
        return _overseers;
    }

    /// @notice The Alliance and Marketplace this contract belongs to.
    function configuration() external view returns (address alliance, address marketplace) {
        return (address(_alliance), _marketplace);
    }

    // ───────────────────────────── internals ─────────────────────────────

    function _platformOrg() private view returns (address org) {
        org = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Platform);
        if (org == address(0)) revert SupervisionNotPlatform(msg.sender);
    }

    /// @dev Shape and admission checks of one opening; reverts naming what failed.
    function _checkOpening(ChannelOpening calldata o, address platform) private view {
        uint256 id = o.channelId;
        if (_channels[id] != bytes32(0)) revert SupervisionChannelExists(id);
        if (o.kind == ChannelKind.None) revert SupervisionInvalidKind(id, o.kind);
        address[] calldata members = o.members;
        uint256 expected = uint256(o.kind) + 1; // DePlSu 2, DePlPrSu 3, DePlSePrSu 4
        if (members.length != expected) revert SupervisionMemberCount(id, o.kind, members.length, expected);
        if (members[1] != platform) revert SupervisionNotChannelPlatform(id, members[1], platform);
        for (uint256 i = 0; i < expected; ++i) {
            address org = members[i];
            for (uint256 j = 0; j < i; ++j) {
                if (members[j] == org) revert SupervisionDuplicateMember(id, org);
            }
            (IAlliance.MemberStatus status, ) = _alliance.member(org);
            if (status != IAlliance.MemberStatus.Admitted) revert SupervisionMemberNotAdmitted(id, org, status);
        }
    }

    /// @dev The overseers that are admitted supervisor organisations now, in list order.
    function _activeOverseers() private view returns (address[] memory active) {
        uint256 count = _overseers.length;
        address[] memory all = new address[](count);
        uint256 n = 0;
        for (uint256 i = 0; i < count; ++i) {
            address org = _overseers[i];
            if (_isSupervisorOrg(org)) {
                all[n] = org;
                ++n;
            }
        }
        if (n == count) return all;
        active = new address[](n);
        for (uint256 i = 0; i < n; ++i) active[i] = all[i];
    }

    function _isSupervisorOrg(address org) private view returns (bool) {
        (IAlliance.MemberStatus status, uint256 rolesMask) = _alliance.member(org);
        return status == IAlliance.MemberStatus.Admitted && rolesMask & SUPERVISOR_BIT != 0;
    }

    /// @dev Swap-and-pop: the last overseer takes the removed one's place.
    function _removeOverseer(address org) private {
        uint256 index = _overseerSlot[org] - 1;
        uint256 last = _overseers.length - 1;
        if (index != last) {
            address moved = _overseers[last];
            _overseers[index] = moved;
            _overseerSlot[moved] = index + 1;
        }
        _overseers.pop();
        delete _overseerSlot[org];
    }

    /// @dev Whether x is the x coordinate of a secp256k1 point: x < p and x^3 + 7 has a square root mod p.
    function _onCurve(uint256 x) private view returns (bool) {
        if (x >= FIELD_P) return false;
        uint256 rhs = addmod(mulmod(mulmod(x, x, FIELD_P), x, FIELD_P), 7, FIELD_P);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory out) = MODEXP.staticcall(abi.encode(32, 32, 32, rhs, SQRT_EXPONENT, FIELD_P));
        if (!ok || out.length != 32) return false; // only out of gas: the input is always well formed
        uint256 y = abi.decode(out, (uint256));
        return mulmod(y, y, FIELD_P) == rhs;
    }
}
