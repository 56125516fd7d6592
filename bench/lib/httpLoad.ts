/**
 * The load generator of `bench:api`, run as its own process so that the server under test
 * does not share an event loop with its client:
 *
 *     node --import tsx bench/lib/httpLoad.ts '{"url":"http://127.0.0.1:8080","paths":["/health"],"connections":50,"seconds":10}'
 *     node --import tsx bench/lib/httpLoad.ts @load.json     (the same, from a file)
 *
 * Each connection cycles through `paths` (GET) with autocannon; prints one JSON line:
 * requests/s, latency percentiles (ms), and the count of non-2xx answers and errors.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

export interface HttpLoadConfig {
  url: string
  paths: string[]
  connections: number
  seconds: number
}

export interface HttpLoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
  non2xx: number
  errors: number
  /** CPU time of this load process per second of the run, in % of one core (it shares the machine with the server). */
  loadCpuPct: number
}

// The configuration as JSON, or `@file` holding it (long path lists exceed the argument limit).
const arg = process.argv[2] ?? '{}'
const config = JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as HttpLoadConfig
const cpuBefore = process.cpuUsage()
const started = performance.now()
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.seconds,
  requests: config.paths.map((path) => ({ method: 'GET' as const, path })),
})
const out: HttpLoadResult = {
  rps: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  loadCpuPct: (() => {
    const cpu = process.cpuUsage(cpuBefore)
    return Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 1000) / 10
  })(),
}
process.stdout.write(`${JSON.stringify(out)}\n`)
