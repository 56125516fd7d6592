/**
 * The CLI's prebuilt bundle: `src/cli/main.ts` and the project modules it imports, bundled by
 * esbuild into artifacts/cli/bourse.mjs (packages stay in node_modules, loaded as usual).
 *
 * Why: run through tsx, every `bourse` command loads ~250 TypeScript modules (and the packages
 * they import) through tsx's loader hooks, which Node 20 runs on a separate thread with a
 * message per module: 1.6–2.5 s before the command starts on this machine. The bundle starts
 * in ~0.9 s. bin/bourse.mjs runs the bundle only when it is newer than every file under src/,
 * and the sources through tsx otherwise, so an edited source is never shadowed by a stale
 * bundle.
 */
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

/** Where the bundle goes, relative to the repository root (bin/bourse.mjs looks there). */
const CLI_BUNDLE = join('artifacts', 'cli', 'bourse.mjs')

/**
 * Bundles the CLI into `<root>/artifacts/cli/bourse.mjs`.
 *
 * @example
 * await buildCliBundle(repoRoot)
 */
export async function buildCliBundle(root: string): Promise<string> {
  const outfile = join(root, CLI_BUNDLE)
  await build({
    // The worker threads' programs beside the bundle: a thread loads its own by URL
    // (src/threads/threadProgram.ts looks beside the module that inlined it).
    entryPoints: {
      bourse: join(root, 'src', 'cli', 'main.ts'),
      'seal-thread': join(root, 'src', 'supervision', 'sealing', 'sealThread.ts'),
      'verify-thread': join(root, 'src', 'supervision', 'verifying', 'verifyThread.ts'),
    },
    outdir: dirname(outfile),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    // Modules that load packages with require() (solc, createRequire users) get one, resolved
    // from the bundle's own location (the repository's node_modules).
    banner: { js: "import { createRequire as __bourseRequire } from 'node:module'; const require = __bourseRequire(import.meta.url);" },
    logLevel: 'warning',
  })
  return outfile
}
