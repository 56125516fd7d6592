// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IAlliance} from "./interfaces/IAlliance.sol";
import {IEnclaveRegistry} from "./interfaces/IEnclaveRegistry.sol";

/**
 * @title EnclaveRegistry
 * @notice On-chain governance of enclave identities and the anchor of every enclave job's
 * result (SPEC.md section 5, seeds 000 and 004; src/tee/README.md).
 *
 * - Governance {propose}s a measurement for a set of job kinds; an active supervisor key of the
 *   alliance {approve}s it (two parties: the alliance cannot approve code alone). Governance or
 *   any active supervisor {revoke}s it; a revoked measurement is never approved again (a fixed
 *   build gets a new measurement).
 * - A Compute key {recordJob}s a job: the measurement must be approved for the job's kind, and
 *   the result must be signed by the enclave's session key (EIP-191 over
 *   {jobDigest}); the recovered key is stored, so anyone can check that the key the data owner
 *   released its data to is the key that signed the anchored result.
 */
contract EnclaveRegistry is IEnclaveRegistry {
    uint32 private constant ALL_JOB_KINDS = uint32((1 << (uint256(type(JobKind).max) + 1)) - 1);

    IAlliance private immutable _alliance;
    address private immutable _governance;

    mapping(bytes32 measurementId => Measurement) private _measurements;
    mapping(bytes32 jobId => Job) private _jobs;

    /**
     * @param alliance_ membership registry (supervisors and Compute keys)
     * @param governance_ the alliance's governance (the deployment's owner)
     */
    constructor(IAlliance alliance_, address governance_) {
        if (address(alliance_) == address(0)) revert EnclaveRegistryInvalidConfiguration("alliance");
        if (governance_ == address(0)) revert EnclaveRegistryInvalidConfiguration("governance");
        _alliance = alliance_;
        _governance = governance_;
    }

    // ───────────────────────────── measurements ─────────────────────────────

    /**
     * @notice Proposes a code identity for the given job kinds; it is usable once approved.
     *
     * Requirements: caller is governance; `measurement` has the platform's length (32 bytes
     * for Simulated and SgxDcap, 48 for Nitro and SevSnp); `jobKinds` is a non-empty set of
     * known kinds; the measurement was never proposed.
     *
     * Emits {MeasurementProposed}.
     */
    function propose(Platform platform, bytes calldata measurement, uint32 jobKinds, string calldata name)
        external
        returns (bytes32 measurementId)
    {
        if (msg.sender != _governance) revert EnclaveRegistryNotGovernance(msg.sender);
        uint256 expected = (platform == Platform.Nitro || platform == Platform.SevSnp) ? 48 : 32;
        if (measurement.length != expected) revert EnclaveRegistryInvalidMeasurement(platform, measurement.length);
        if (jobKinds == 0) revert EnclaveRegistryNoJobKinds();
        if (jobKinds & ~ALL_JOB_KINDS != 0) revert EnclaveRegistryUnknownJobKinds(jobKinds);
        measurementId = measurementIdOf(platform, measurement);
        Measurement storage m = _measurements[measurementId];
        if (m.status != MeasurementStatus.None) revert EnclaveRegistryMeasurementExists(measurementId, m.status);
        m.status = MeasurementStatus.Proposed;
        m.platform = platform;
        m.jobKinds = jobKinds;
        emit MeasurementProposed(measurementId, platform, measurement, jobKinds, name);
    }

    /**
     * @notice A supervisor approves a proposed measurement.
     *
     * Requirements: caller is an active Supervisor key; the measurement is Proposed.
     *
     * Emits {MeasurementApproved}.
     */
    function approve(bytes32 measurementId) external {
        address supervisorOrg = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Supervisor);
        if (supervisorOrg == address(0)) revert EnclaveRegistryNotSupervisor(msg.sender);
        Measurement storage m = _measurements[measurementId];
        if (m.status != MeasurementStatus.Proposed) revert EnclaveRegistryInvalidStatus(measurementId, m.status);
        m.status = MeasurementStatus.Approved;
        m.approvedAt = uint40(block.timestamp);
        m.approvedBy = supervisorOrg;
        emit MeasurementApproved(measurementId, supervisorOrg);
    }

    /**
     * @notice Withdraws a measurement: keys are no longer released to it and no job of it is
     * recorded from now on (jobs recorded before stay, with their measurement).
     *
     * Requirements: caller is governance or an active Supervisor key; the measurement is
     * Proposed or Approved.
     *
     * Emits {MeasurementRevoked}.
     */
    function revoke(bytes32 measurementId, string calldata reason) external {
        address by = msg.sender;
        if (msg.sender != _governance) {
            by = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Supervisor);
            if (by == address(0)) revert EnclaveRegistryNotGovernanceOrSupervisor(msg.sender);
        }
        Measurement storage m = _measurements[measurementId];
        if (m.status != MeasurementStatus.Proposed && m.status != MeasurementStatus.Approved) {
            revert EnclaveRegistryInvalidStatus(measurementId, m.status);
        }
        m.status = MeasurementStatus.Revoked;
        emit MeasurementRevoked(measurementId, by, reason);
    }

    // ───────────────────────────── jobs ─────────────────────────────

    /**
     * @notice Anchors a job's signed result with the measurement that ran it.
     *
     * Requirements: caller is an active Compute key; the measurement is approved for `kind`;
     * `jobId` is new; `resultHash` is not zero; `enclaveSignature` is the enclave key's EIP-191
     * signature of {jobDigest}.
     *
     * Emits {JobRecorded}.
     */
    function recordJob(
        bytes32 jobId,
        bytes32 measurementId,
        JobKind kind,
        bytes32 resultHash,
        bytes32 inputCommitment,
        bytes calldata enclaveSignature
    ) external {
        address computeOrg = _alliance.activeOrgOf(msg.sender, IAlliance.Role.Compute);
        if (computeOrg == address(0)) revert EnclaveRegistryNotCompute(msg.sender);
        if (!isApproved(measurementId, kind)) revert EnclaveRegistryNotApproved(measurementId, kind);
        if (_jobs[jobId].recordedAt != 0) revert EnclaveRegistryJobExists(jobId);
        if (resultHash == bytes32(0)) revert EnclaveRegistryZeroResult(jobId);
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(jobDigest(jobId, measurementId, kind, resultHash, inputCommitment));
        (address enclaveKey, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, enclaveSignature);
        if (error != ECDSA.RecoverError.NoError) revert EnclaveRegistryBadSignature(jobId);
        _jobs[jobId] = Job({
            measurementId: measurementId,
            resultHash: resultHash,
            inputCommitment: inputCommitment,
            enclaveKey: enclaveKey,
            computeOrg: computeOrg,
            kind: kind,
            recordedAt: uint40(block.timestamp)
        });
        emit JobRecorded(jobId, measurementId, kind, resultHash, inputCommitment, enclaveKey, computeOrg);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The identifier of a platform's measurement.
    function measurementIdOf(Platform platform, bytes calldata measurement) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(platform), measurement));
    }

    /// @notice What the enclave signs for {recordJob} (before the EIP-191 prefix).
    function jobDigest(bytes32 jobId, bytes32 measurementId, JobKind kind, bytes32 resultHash, bytes32 inputCommitment)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(block.chainid, address(this), jobId, measurementId, kind, resultHash, inputCommitment));
    }

    /// @notice True when `measurementId` is approved and its job kinds include `kind`.
    function isApproved(bytes32 measurementId, JobKind kind) public view returns (bool) {
        Measurement storage m = _measurements[measurementId];
        return m.status == MeasurementStatus.Approved && (m.jobKinds >> uint8(kind)) & 1 == 1;
    }

    function measurementOf(bytes32 measurementId) external view returns (Measurement memory) {
        return _measurements[measurementId];
    }

    function jobOf(bytes32 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    function configuration() external view returns (address alliance, address governance) {
        return (address(_alliance), _governance);
    }
}
