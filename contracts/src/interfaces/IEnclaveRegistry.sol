// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IEnclaveRegistry
 * @notice Types, errors and events of enclave governance and job anchoring (SPEC.md
 * section 5, src/tee/README.md).
 *
 * A measurement is a code identity of one TEE platform (MRENCLAVE for SGX, PCR0 for Nitro,
 * MEASUREMENT for SEV-SNP, the image hash for the simulated backend). Governance proposes it
 * for a set of job kinds; an active supervisor of the alliance approves it; either may revoke
 * it. Data owners release keys only to enclaves whose evidence shows an approved measurement
 * for the job (checked off chain against {isApproved}), and every job's signed result hash is
 * recorded here with the measurement that produced it.
 *
 * Measurements are identified by `keccak256(abi.encodePacked(uint8(platform), measurement))`
 * because their lengths differ by platform (32 or 48 bytes).
 */
interface IEnclaveRegistry {
    enum Platform {
        Simulated,
        SgxDcap,
        Nitro,
        SevSnp
    }

    /// @notice Job kinds; a measurement is approved for a bit set of them (bit i = JobKind i).
    enum JobKind {
        RfmTags,
        TagAuthenticity,
        AudienceOverlap,
        ForecastTraining,
        ForecastPrediction
    }

    enum MeasurementStatus {
        None,
        Proposed,
        Approved,
        Revoked
    }

    struct Measurement {
        MeasurementStatus status;
        Platform platform;
        uint32 jobKinds;
        uint40 approvedAt;
        address approvedBy; // supervisor organisation
    }

    struct Job {
        bytes32 measurementId;
        bytes32 resultHash; // SHA-256 of the result bytes the enclave signed
        bytes32 inputCommitment; // commitment to the inputs (dataset hashes, parameters)
        address enclaveKey; // the enclave session key that signed the result
        address computeOrg; // organisation whose Compute key recorded it
        JobKind kind;
        uint40 recordedAt;
    }

    // ───────────────────────────── errors ─────────────────────────────

    error EnclaveRegistryInvalidConfiguration(string field);
    error EnclaveRegistryNotGovernance(address caller);
    error EnclaveRegistryNotSupervisor(address caller);
    error EnclaveRegistryNotGovernanceOrSupervisor(address caller);
    error EnclaveRegistryNotCompute(address caller);
    error EnclaveRegistryInvalidMeasurement(Platform platform, uint256 length);
    error EnclaveRegistryNoJobKinds();
    error EnclaveRegistryUnknownJobKinds(uint32 jobKinds);
    error EnclaveRegistryMeasurementExists(bytes32 measurementId, MeasurementStatus status);
    error EnclaveRegistryInvalidStatus(bytes32 measurementId, MeasurementStatus status);
    error EnclaveRegistryNotApproved(bytes32 measurementId, JobKind kind);
    error EnclaveRegistryJobExists(bytes32 jobId);
    error EnclaveRegistryZeroResult(bytes32 jobId);
    error EnclaveRegistryBadSignature(bytes32 jobId);

    // ───────────────────────────── events ─────────────────────────────

    event MeasurementProposed(bytes32 indexed measurementId, Platform platform, bytes measurement, uint32 jobKinds, string name);
    event MeasurementApproved(bytes32 indexed measurementId, address indexed supervisorOrg);
    event MeasurementRevoked(bytes32 indexed measurementId, address indexed by, string reason);
    event JobRecorded(
        bytes32 indexed jobId,
        bytes32 indexed measurementId,
        JobKind kind,
        bytes32 resultHash,
        bytes32 inputCommitment,
        address enclaveKey,
        address indexed computeOrg
    );
}
