// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAlliance} from "./IAlliance.sol";

/**
 * @title ISupervision
 * @notice Types, errors and events of whole-trade supervision (SPEC.md section 4,
 * src/supervision/README.md): organisations' published encryption keys, one channel per
 * trade with its members and supervisors, and the batch roots that anchor the off-chain
 * supervision records.
 *
 * A channel is stored as one hash: `keccak256(abi.encode(kind, members, supervisors))` when
 * opened, then `keccak256(abi.encode(previous, supervisor))` for each supervisor that joins.
 * The lists themselves travel in {ChannelOpened} and {SupervisorJoined}; anyone holding the
 * events recomputes the chain and compares it with {channelState}.
 */
interface ISupervision {
    /**
     * @notice The three channel types of seed 002, by the organisations involved (member
     * counts exclude supervisors): DePlSu = demander, platform (2); DePlPrSu = demander,
     * platform, provider (3); DePlSePrSu = demander, platform, server, provider (4).
     */
    enum ChannelKind {
        None,
        DePlSu,
        DePlPrSu,
        DePlSePrSu
    }

    /// @notice One channel the platform opens; `members` in the role order of `kind`.
    struct ChannelOpening {
        uint256 channelId; // = the trade id
        ChannelKind kind;
        address[] members; // organisations (admin addresses); members[1] is the platform
    }

    // ───────────────────────────── errors ─────────────────────────────

    error SupervisionInvalidConfiguration(string field);
    error SupervisionNotMember(address caller, IAlliance.MemberStatus status);
    error SupervisionInvalidEncryptionKey(address org, bytes publicKey);
    error SupervisionNotSupervisor(address caller);
    error SupervisionNotPlatform(address caller);
    error SupervisionOversightUnchanged(address supervisor, bool all);
    error SupervisionTooManyOverseers(uint256 max);
    error SupervisionOverseerStillActive(address supervisor);
    error SupervisionNoChannels();
    error SupervisionChannelExists(uint256 channelId);
    error SupervisionChannelNotFound(uint256 channelId);
    error SupervisionInvalidKind(uint256 channelId, ChannelKind kind);
    error SupervisionMemberCount(uint256 channelId, ChannelKind kind, uint256 count, uint256 expected);
    error SupervisionDuplicateMember(uint256 channelId, address org);
    error SupervisionMemberNotAdmitted(uint256 channelId, address org, IAlliance.MemberStatus status);
    error SupervisionNotChannelPlatform(uint256 channelId, address member, address platform);
    error SupervisionZeroRoot();
    error SupervisionNoHeads();
    error SupervisionFewerRecordsThanHeads(uint32 heads, uint64 records);

    // ───────────────────────────── events ─────────────────────────────

    /// @notice `org` published (or replaced) its 33-byte compressed secp256k1 encryption key.
    event EncryptionKeyPublished(address indexed org, bytes publicKey);
    /// @notice Supervisor organisation `supervisor` now oversees every new channel (`all`), or no longer does.
    event OversightChanged(address indexed supervisor, bool all);
    /// @notice A channel opened with its members (role order) and the overseers added by the contract.
    event ChannelOpened(uint256 indexed channelId, ChannelKind kind, address[] members, address[] supervisors);
    /// @notice Supervisor organisation `supervisor` joined an opened channel.
    event SupervisorJoined(uint256 indexed channelId, address indexed supervisor);
    /// @notice Platform organisation `platform` anchored `heads` channel heads covering `records` new records under `root`.
    event HeadsCommitted(uint256 indexed batch, bytes32 root, uint32 heads, uint64 records, address indexed platform);

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The channel's hash chain; zero for a channel never opened.
    function channelState(uint256 channelId) external view returns (bytes32);

    /// @notice Root and commit time of batch `batch`; zeros for a batch not committed.
    function batchRoot(uint256 batch) external view returns (bytes32 root, uint64 committedAt);

    /// @notice Number of committed batches (batch numbers are 0 .. batchCount() - 1).
    function batchCount() external view returns (uint256);

    /// @notice The 33-byte compressed key `org` published last; empty if none.
    function encryptionKeyOf(address org) external view returns (bytes memory);

    /// @notice Supervisor organisations that oversee every channel opened from now on.
    function overseers() external view returns (address[] memory);
}
