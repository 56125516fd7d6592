/**
 * Starts the EVM engine: Hardhat 3's EDR (`edr-simulated`, l1) in process, configured from a genesis.
 */
import { fileURLToPath } from 'node:url'
import { createHardhatRuntimeEnvironment } from 'hardhat/hre'
import { hardhatNetworkConfig, type Genesis } from './genesis.ts'
import type { EngineProvider } from './JournalingProvider.ts'

/** A running engine: its raw (unjournaled) provider, and how to stop it. */
export type Engine = { provider: EngineProvider; close(): Promise<void> }

/**
 * Hardhat resolves its project from a folder with a package.json: databourse's own root, so
 * the node runs from any working directory.
 */
const projectRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Creates a fresh engine at block 0 of `genesis`. Its provider is NOT durable: only the
 * embedded chain (or a test of its parts) should hold it.
 *
 * @example
 * const engine = await createEngine(newGenesis({ initialDate: new Date() }))
 */
export async function createEngine(genesis: Genesis): Promise<Engine> {
  const hre = await createHardhatRuntimeEnvironment(
    { networks: { default: hardhatNetworkConfig(genesis) } } as never,
    {},
    projectRoot,
  )
  const connection = await hre.network.create()
  return { provider: connection.provider as unknown as EngineProvider, close: () => connection.close() }
}
