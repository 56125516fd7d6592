/**
 * The simulated platform's secrets, as a CPU's fused keys: an attestation key (P-256) that
 * signs evidence and a sealing root from which sealing keys are derived per measurement.
 * Created by the enclave process itself on first launch, in a directory only enclave processes
 * read; the node only ever learns the attestation public key (to pin it in its verifier).
 * This is a simulation: on real hardware these keys never exist outside the CPU.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { p256 } from '@noble/curves/nist.js'
import { randomBytes } from 'node:crypto'

export interface SimulatedPlatformSecrets {
  attestationKey: Uint8Array
  attestationPublicKey: Uint8Array
  sealingRoot: Uint8Array
}

function loadOrCreate(path: string, create: () => Uint8Array): Uint8Array {
  if (existsSync(path)) return new Uint8Array(readFileSync(path))
  const value = create()
  const partial = `${path}.${process.pid}.partial`
  writeFileSync(partial, value, { mode: 0o600 })
  renameSync(partial, path)
  // Another enclave process may have won the race: use whatever is on disk now.
  return new Uint8Array(readFileSync(path))
}

export function loadSimulatedPlatform(dir: string): SimulatedPlatformSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const attestationKey = loadOrCreate(join(dir, 'attestation.key'), () => p256.utils.randomSecretKey())
  const sealingRoot = loadOrCreate(join(dir, 'sealing.key'), () => new Uint8Array(randomBytes(32)))
  return { attestationKey, attestationPublicKey: p256.getPublicKey(attestationKey, true), sealingRoot }
}
