/**
 * Bundles the CLI (src/cli/bundle.ts) into artifacts/cli/bourse.mjs, which bin/bourse.mjs runs
 * while it is newer than the sources. Part of `npm run build`.
 */
import { join } from 'node:path'
import { buildCliBundle } from '../src/cli/bundle.ts'

const file = await buildCliBundle(join(import.meta.dirname, '..'))
if (process.argv.includes('--print')) console.log(`bourse CLI bundle ${file}`)
