/**
 * Runs every `*.test.ts` under src/, contracts/ and test/ with Node's built-in test runner.
 * Node 20's `--test` takes no globs, so the files are listed here.
 * Set TEST_FILTER=<substring> to run only matching files.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function testFiles(dir: string): string[] {
  let entries: string[]
  try { entries = readdirSync(dir) } catch { return [] }
  return entries.flatMap((entry) => {
    if (entry === 'node_modules' || entry.startsWith('.')) return []
    const full = join(dir, entry)
    if (statSync(full).isDirectory()) return testFiles(full)
    return entry.endsWith('.test.ts') ? [full] : []
  })
}

const filter = process.env.TEST_FILTER
const files = ['src', 'contracts', 'test'].flatMap(testFiles).filter((f) => !filter || f.includes(filter)).sort()
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]
const result = spawnSync(process.execPath, args, { stdio: 'inherit' })
process.exit(result.status ?? 1)
