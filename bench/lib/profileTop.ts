/**
 * `node --import tsx bench/lib/profileTop.ts <file.cpuprofile> [N]`: the N functions with the
 * most self time in a V8 CPU profile, and the share of idle time — a terminal summary of what
 * {@link ./profile.ts} records.
 */
import { readFileSync } from 'node:fs'

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const [file, n = '40'] = process.argv.slice(2)
if (!file) throw new Error('usage: profileTop.ts <file.cpuprofile> [N]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let total = 0
profile.samples.forEach((id, i) => {
  const frame = byId.get(id)!.callFrame
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
  const dt = profile.timeDeltas[i] ?? 0
  self.set(key, (self.get(key) ?? 0) + dt)
  total += dt
})
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))
console.log(`total ${(total / 1000).toFixed(0)} ms`)
for (const [key, us] of rows) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`)
