#!/usr/bin/env node
// Runs the CLI from its prebuilt bundle (artifacts/cli/bourse.mjs, made by `npm run build`)
// when that is newer than every source file, else straight from the TypeScript sources through
// tsx (a runtime dependency). Same program either way; the bundle starts in about half the
// time (src/cli/bundle.ts says why).
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bundle = new URL('../artifacts/cli/bourse.mjs', import.meta.url)

function bundleIsFresh() {
  let built
  try {
    built = statSync(bundle).mtimeMs
  } catch {
    return false // not built
  }
  // Any file under src/ changed since the build makes the bundle stale (plain JavaScript: this runs before tsx).
  for (const entry of readdirSync(`${root}src`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs > built) return false
  }
  return true
}

if (process.env.BOURSE_FROM_SOURCES !== '1' && bundleIsFresh()) {
  await import(bundle.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
