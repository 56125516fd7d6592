/** AWS Nitro Enclaves evidence: the verifier, the document decoder and the pinned root (see README.md). */
export { createNitroVerifier, type NitroVerifierOptions } from './verifier.ts'
export { decodeNitroDocument, parseNitroPayload, type DecodedNitroDocument, type NitroDocument } from './document.ts'
export { decodeCoseSign1, sigStructure, COSE_ALG_ES384, type CoseSign1 } from './cose.ts'
export { AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from './root.ts'
