/**
 * Benchmark output: a human table, and with `--json` one JSON object as the LAST line of
 * stdout (bigints as numbers where safe).
 */
export const jsonMode = process.argv.includes('--json')

export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows].map((r) => r.map(String))
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n')
}

export function emit(result: Record<string, unknown>): void {
  if (jsonMode) {
    process.stdout.write(`${JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`)
  }
}

export function say(text: string): void {
  process.stdout.write(`${text}\n`)
}
