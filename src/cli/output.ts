/**
 * How commands print: human-readable lines by default, one JSON document with `--json`.
 * bigint values become decimal strings in JSON.
 */
import { formatCredits } from '../sdk/timeline.ts'

export interface Output {
  json: boolean
  /** A progress or status line (stderr in JSON mode so stdout stays parseable). */
  step(line: string): void
  /** The command's result: `human` renders it for people. */
  result(value: unknown, human?: (value: any) => string): void
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)
}

export function createOutput(json: boolean): Output {
  return {
    json,
    step(line) {
      if (json) process.stderr.write(`${line}\n`)
      else process.stdout.write(`${line}\n`)
    },
    result(value, human) {
      if (json) process.stdout.write(`${toJson(value)}\n`)
      else process.stdout.write(`${human ? human(value) : toJson(value)}\n`)
    },
  }
}

/** Credits with their unit, e.g. `150 ACR`. */
export const credits = (wei: bigint) => `${formatCredits(wei)} ACR`

/** A trade id as the CLI shows it. */
export const tradeIdHex = (id: bigint) => `0x${id.toString(16)}`
