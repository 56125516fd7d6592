/**
 * Optional CPU profiles of a benchmark's phases: with `BENCH_PROFILE=<dir>`, `profiled(name, fn)`
 * records a V8 CPU profile of `fn` into `<dir>/<name>.cpuprofile` (open it in Chrome DevTools,
 * or summarise it with `node --import tsx bench/lib/profileTop.ts <file>`). Without the
 * variable it just runs `fn`: the figures a benchmark reports are never taken under the profiler.
 */
import { Session } from 'node:inspector/promises'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.BENCH_PROFILE

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!dir) return fn()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  try {
    return await fn()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
    session.disconnect()
  }
}
