/**
 * The enclave image: `src/tee/enclave/main.ts` and everything it imports bundled by esbuild
 * into one self-contained JavaScript file, the way an SGX/Nitro build produces one measured
 * binary. Its measurement is SHA-256 of the file's bytes; governance approves that value on
 * chain (EnclaveRegistry) and key release checks it. The build is deterministic (same sources
 * and esbuild version -> same bytes -> same measurement), so every member can rebuild the image
 * from the tagged sources and compare the measurement before approving it.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Hex } from 'viem'

/** The repository: the nearest directory above this module with a package.json (this module also runs bundled, from artifacts/cli/). */
function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
  }
}
const repoRoot = repositoryRoot()
const entry = join(repoRoot, 'src', 'tee', 'enclave', 'main.ts')
export const defaultImagePath = join(repoRoot, 'artifacts', 'enclave', 'databourse-enclave.mjs')

export interface EnclaveImage {
  path: string
  /** SHA-256 of the image bytes, 0x-hex (32 bytes): the simulated platform's measurement. */
  measurement: Hex
  bytes: number
}

export interface BuildEnclaveImageOptions {
  /** Where to write the image (default artifacts/enclave/databourse-enclave.mjs). */
  path?: string
  /**
   * A comment put at the top of the image. Tests use it to make a second build with a
   * different measurement (a "new version" of the same code).
   */
  banner?: string
}

/** The bundled image's bytes (not written). */
export async function bundleEnclaveImage(options: Pick<BuildEnclaveImageOptions, 'banner'> = {}): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    minify: false,
    legalComments: 'none',
    // cbor-x loads its optional native accelerator with require() when present; the image
    // uses the portable JavaScript path so its bytes do not depend on the machine.
    external: ['cbor-extract'],
    banner: { js: `// databourse enclave image${options.banner ? ` — ${options.banner}` : ''}\nimport { createRequire as __enclaveRequire } from 'node:module'; const require = __enclaveRequire(import.meta.url);` },
    logLevel: 'silent',
  })
  const file = result.outputFiles[0]
  if (!file) throw new Error('esbuild produced no enclave image')
  return file.contents
}

export const measurementOf = (bytes: Uint8Array): Hex => `0x${createHash('sha256').update(bytes).digest('hex')}`

/**
 * Builds the image and writes it where asked, unless an identical file is already there.
 *
 * @example
 * const image = await buildEnclaveImage()
 * image.measurement // what governance approves for the simulated platform
 */
export async function buildEnclaveImage(options: BuildEnclaveImageOptions = {}): Promise<EnclaveImage> {
  const path = options.path ?? defaultImagePath
  const bytes = await bundleEnclaveImage(options)
  const measurement = measurementOf(bytes)
  if (!existsSync(path) || measurementOf(readFileSync(path)) !== measurement) {
    mkdirSync(dirname(path), { recursive: true })
    const partial = `${path}.${process.pid}.partial`
    writeFileSync(partial, bytes)
    renameSync(partial, path)
  }
  return { path, measurement, bytes: bytes.length }
}
