/**
 * The program a worker thread of the node runs (the supervision seal and verify threads), from
 * the TypeScript module that is its entry.
 *
 * - From the CLI bundle: the entry's prebuilt file beside the bundle (src/cli/bundle.ts builds
 *   `<name>.mjs` next to bourse.mjs, which inlined this module), loaded by its URL.
 * - From the TypeScript sources: bundled here by esbuild (~0.2 s, once per entry and process,
 *   off the main thread) into plain CommonJS the thread evaluates. A thread does not inherit
 *   tsx's loader (bin/bourse.mjs registers it through the API), and registering tsx inside the
 *   thread took ~1 s of CPU at each start. Native addons (better-sqlite3, the seal thread's
 *   native/aes-gcm-batch) cannot be bundled: each is required by its absolute path, as the
 *   parent resolved it (evaluated code resolves bare names from the working directory, which
 *   need not be the project's).
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

export type ThreadProgram = { url: URL } | { source: string }

const built = new Map<string, Promise<string>>()

/** Packages that stay outside the bundle, required from where the parent finds them. */
const NATIVE_PACKAGES = /^(better-sqlite3|@databourse\/aes-gcm-batch)$/

const nativeByAbsolutePath: Plugin = {
  name: 'native-by-absolute-path',
  setup(b) {
    const require = createRequire(import.meta.url)
    b.onResolve({ filter: NATIVE_PACKAGES }, (args) => ({ path: require.resolve(args.path), external: true }))
  },
}

/**
 * @param name the prebuilt program's name beside the CLI bundle (`seal-thread`)
 * @param entry the TypeScript entry module, as a URL (`new URL('./sealThread.ts', import.meta.url)`)
 *
 * @example
 * const program = await threadProgram('seal-thread', new URL('./sealThread.ts', import.meta.url))
 * const worker = 'url' in program ? new Worker(program.url) : new Worker(program.source, { eval: true })
 */
export async function threadProgram(name: string, entry: URL): Promise<ThreadProgram> {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL(`./${name}.mjs`, import.meta.url) }
  const file = fileURLToPath(entry)
  let source = built.get(file)
  if (!source) {
    source = build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [nativeByAbsolutePath],
    }).then((r) => r.outputFiles[0]!.text)
    source.catch(() => built.delete(file)) // a failed build is tried again by the next caller
    built.set(file, source)
  }
  return { source: await source }
}
