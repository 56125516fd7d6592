/**
 * How much work the machine's cores do side by side, measured in the run that reports figures
 * beside it: the same fixed loop timed alone on one thread, then on as many threads as there
 * are cores at once. On a shared machine the cores may be hyper-threads of one physical core or
 * taken by other tenants, and a benchmark whose rate is bounded by CPU can only be read
 * against what the cores actually deliver (seen here: two cores doing 1.3–1.4 times the work of
 * one, where 2 would be two free cores).
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { percentile } from './stats.ts'

/**
 * A fixed amount of work (~60 ms on one core of the machines this runs on), timed on the thread:
 * PBKDF2-SHA256 in OpenSSL, native code. A JavaScript loop was used first, and its times
 * depended on when V8 replaced it with optimised code (on another thread, which two loops on
 * two cores starve): once 176 ms alone against 2,795 ms side by side, a JIT effect read as
 * "0.13 cores".
 */
const LOOP = `
const { parentPort } = require('node:worker_threads')
const { pbkdf2Sync } = require('node:crypto')
parentPort.once('message', () => {
  const started = performance.now()
  pbkdf2Sync('databourse', 'cores', 300000, 32, 'sha256')
  parentPort.postMessage({ ms: performance.now() - started })
})
`

/** Runs the loop on `threads` threads at once; resolves with each one's time. */
async function loopOn(threads: number): Promise<number[]> {
  const workers = Array.from({ length: threads }, () => new Worker(LOOP, { eval: true }))
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))))
    const times = workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (m: { ms: number }) => resolve(m.ms))
      w.once('error', reject)
    }))
    for (const w of workers) w.postMessage('go')
    return await Promise.all(times)
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}

export interface CoreCapacity {
  cores: number
  /** The loop's time alone, ms. */
  aloneMs: number
  /** The slowest of the loops run side by side on every core, ms. */
  sideBySideMs: number
  /** Work done side by side, in units of one core alone: `cores` on free cores. */
  capacity: number
}

/** Measures the cores' capacity: medians of `rounds` rounds, alone then side by side (~0.15 s a round). */
export async function coreCapacity(rounds = 9): Promise<CoreCapacity> {
  const cores = availableParallelism()
  const alone: number[] = []
  const sideBySide: number[] = []
  for (let i = 0; i < rounds; i++) {
    alone.push((await loopOn(1))[0]!)
    sideBySide.push(Math.max(...(await loopOn(cores))))
  }
  const aloneMs = percentile(alone, 50)
  const sideBySideMs = percentile(sideBySide, 50)
  return { cores, aloneMs, sideBySideMs, capacity: (cores * aloneMs) / sideBySideMs }
}
