/**
 * The enclave program: the entry point of the enclave image (`src/tee/image.ts` bundles this
 * file and everything it imports into one measured file). On the simulated backend it runs
 * as its own process; the node talks to it only through the messages of `protocol.ts`.
 *
 * Launch: `node <image> <platformDir> <sealedDir>`. On start the "hardware" measures the image
 * (SHA-256 of its bytes) and loads the platform secrets; each `attest` starts a new session
 * with a fresh secp256k1 key pair whose private half never leaves this process; released keys
 * are unwrapped with it and live only for the session; results are signed with it.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { encodeAbiParameters, keccak256, toHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { eciesDecrypt, eciesEncrypt } from '../../identity/ecies.ts'
import { measurementIdOf } from '../../sdk/enclaves.ts'
import { releaseAssociatedData, reportDataFor } from '../binding.ts'
import { signSimulatedEvidence } from '../evidence/simulated.ts'
import { runJob } from './jobs.ts'
import { loadSimulatedPlatform } from './platform.ts'
import { inputCommitmentOf, jobKindNames, type EnclaveReply, type EnclaveRequest, type Envelope, type JobRequest, type SignedJobResult } from './protocol.ts'
import { SealedStore } from './sealing.ts'

const [imagePath, platformDir, sealedDir] = process.argv.slice(1) as [string, string, string]
const measurement = `0x${createHash('sha256').update(readFileSync(imagePath)).digest('hex')}` as Hex
const measurementId = measurementIdOf('simulated', measurement)
const platform = loadSimulatedPlatform(platformDir)
const sealed = new SealedStore({ sealingRoot: platform.sealingRoot, measurement, dir: sealedDir })

interface Session {
  secretKey: Uint8Array
  publicKey: Uint8Array
  keys: Map<string, Uint8Array>
}
let session: Session | undefined

function endSession(): void {
  if (!session) return
  session.secretKey.fill(0)
  for (const key of session.keys.values()) key.fill(0)
  session = undefined
}

/** A new session (the previous one and its keys dropped), with evidence bound to `nonce`. */
function attest(nonce: Uint8Array): EnclaveReply {
  endSession()
  const secretKey = secp256k1.utils.randomSecretKey()
  session = { secretKey, publicKey: secp256k1.getPublicKey(secretKey, true), keys: new Map() }
  return quote(nonce)
}

/** Evidence for the current session bound to another verifier's nonce (one per data owner). */
function quote(nonce: Uint8Array): EnclaveReply {
  if (!session) throw new Error('no session: attest first')
  const evidence = signSimulatedEvidence({ measurement: Buffer.from(measurement.slice(2), 'hex'), reportData: reportDataFor(session.publicKey, nonce), debug: false, issuedAt: Date.now() }, platform.attestationKey)
  return { op: 'attested', publicKey: session.publicKey, evidence }
}

function release(keyId: string, sealedKey: Parameters<typeof eciesDecrypt>[1]): EnclaveReply {
  if (!session) throw new Error('no session: attest first')
  const key = eciesDecrypt(session.secretKey, sealedKey, releaseAssociatedData(keyId, measurement))
  if (!key) throw new Error(`the key "${keyId}" was not wrapped to this session for this measurement`)
  session.keys.set(keyId, key)
  return { op: 'released', keyId }
}

async function run(request: JobRequest): Promise<EnclaveReply> {
  if (!session) throw new Error('no session: attest first')
  const timings: Record<string, number> = {}
  const t0 = performance.now()
  const inputHashes: string[] = []
  const value = runJob({ keys: session.keys, sealed, timings, inputHashes }, request.inputs)
  const inputCommitment = inputCommitmentOf(request.inputs, inputHashes)
  const resultBytes = new TextEncoder().encode(JSON.stringify(value))
  const resultHash = `0x${createHash('sha256').update(resultBytes).digest('hex')}` as Hex
  const kind = jobKindNames.indexOf(request.inputs.kind)
  const digest = keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint8' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [BigInt(request.chainId), request.registry, request.jobId, measurementId, kind, resultHash, inputCommitment],
    ),
  )
  const account = privateKeyToAccount(toHex(session.secretKey))
  const signature = await account.signMessage({ message: { raw: digest } })
  const recipient = request.recipientPublicKey
  timings.total = performance.now() - t0
  const result: SignedJobResult = {
    jobId: request.jobId,
    kind: request.inputs.kind,
    measurement,
    measurementId,
    inputCommitment,
    resultHash,
    ...(recipient ? { sealedResult: eciesEncrypt(Buffer.from(recipient.slice(2), 'hex'), resultBytes) } : { result: resultBytes }),
    signature,
    enclaveAddress: account.address,
    timings,
  }
  return { op: 'result', result }
}

async function handle(request: EnclaveRequest): Promise<EnclaveReply> {
  switch (request.op) {
    case 'attest':
      return attest(request.nonce)
    case 'quote':
      return quote(request.nonce)
    case 'release':
      return release(request.keyId, request.sealed)
    case 'run':
      return run(request.request)
    default:
      throw new Error(`unknown request ${(request as { op: unknown }).op}`)
  }
}

const send = (message: Envelope<EnclaveReply>) => process.send?.(message)

process.on('message', (message: Envelope<EnclaveRequest>) => {
  handle(message.body).then(
    (body) => send({ id: message.id, body }),
    (error: Error) => send({ id: message.id, body: { op: 'error', name: error.name, message: error.message } }),
  )
})
// The node is gone: so is the enclave (and its session keys with it).
process.on('disconnect', () => process.exit(0))
send({ id: 0, body: { op: 'ready', measurement, platformKey: toHex(platform.attestationPublicKey) } })
