/**
 * Entry point of `bourse`: runs the program and turns every failure into one clear line
 * on stderr and a non-zero exit code (2 for usage errors, 1 otherwise).
 */
import { CommanderError } from 'commander'
import { BaseError } from '../errors/base.ts'
import { UsageError } from '../errors/node.ts'
import { buildProgram } from './program.ts'

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  const json = argv.includes('--json')
  try {
    await program.parseAsync(argv, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    const code = error instanceof UsageError ? 2 : 1
    if (json) {
      const e = error as BaseError
      process.stdout.write(`${JSON.stringify({ error: { name: e.name, message: e.shortMessage ?? e.message, details: e.details } })}\n`)
    } else if (error instanceof BaseError) {
      process.stderr.write(`error: ${error.shortMessage}\n${error.details ? `  ${error.details}\n` : ''}`)
    } else {
      process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`)
    }
    if (process.env.BOURSE_DEBUG) console.error(error)
    return code
  }
}

const code = await main(process.argv.slice(2))
// `bourse up` keeps running: only exit when the command has finished its work.
if (code !== 0 || !process.argv.slice(2).includes('up')) process.exit(code)
