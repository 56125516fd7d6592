/**
 * Runs the real `bourse` executable in a child process, as a user would, for end-to-end tests.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../bin/bourse.mjs', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for --json runs). */
  json: any
}

/** Runs `bourse --data-dir <dataDir> ...args` and waits for it. */
export function bourse(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    // Port 0: nodes of concurrent tests never compete for the default HTTP API port.
    env: { ...process.env, BOURSE_PASSPHRASE: '', BOURSE_API_PORT: '0', ...env },
    timeout: 120_000,
  })
  let json: unknown
  try {
    json = JSON.parse(r.stdout)
  } catch {
    json = undefined
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json }
}

/** Like {@link bourse} but fails with the command's output unless it exits 0. */
export function bourseOk(dataDir: string, args: string[]): CliResult {
  const r = bourse(dataDir, args)
  if (r.code !== 0) throw new Error(`bourse ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`)
  return r
}

/**
 * A running node in `dataDir` (development chain, random JSON-RPC port) with three member
 * organisations joined through the CLI — alpha (seller + storage), beta (buyer), delta
 * (arbitrator) — and `credits` minted to alpha's seller and beta's buyer keys.
 */
export function startCliAlliance(dataDir: string, credits = '1000'): void {
  bourseOk(dataDir, ['init', '--dev', '--rpc-port', '0', '--org', 'regulator'])
  bourseOk(dataDir, ['up', '--detach'])
  bourseOk(dataDir, ['org', 'create', 'alpha', '--roles', 'seller,storage'])
  bourseOk(dataDir, ['org', 'create', 'beta', '--roles', 'buyer'])
  bourseOk(dataDir, ['org', 'create', 'delta', '--roles', 'arbitrator'])
  for (const org of ['alpha', 'beta', 'delta']) bourseOk(dataDir, ['member', 'admit', org])
  bourseOk(dataDir, ['mint', credits, 'alpha', '--role', 'seller'])
  bourseOk(dataDir, ['mint', credits, 'beta', '--role', 'buyer'])
}
