/**
 * Optional CPU profiles of a benchmark's phases: with `BENCH_PROFILE=<dir>`, `profiled(name, fn)`
 * records a V8 CPU profile of `fn` into `<dir>/<name>.cpuprofile` (open it in Chrome DevTools,
 * or summarise it with `node --import tsx bench/lib/profileTop.ts <file>`), and one of every
 * worker thread running at the start into `<dir>/<name>.<worker title>.cpuprofile` (the seal,
 * writer and verify threads do a large share of the work; the inspector's NodeWorker domain
 * reaches them). Without the variable it just runs `fn`: the figures a benchmark reports are
 * never taken under the profiler.
 */
import { Session } from 'node:inspector/promises'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.BENCH_PROFILE
const SAMPLING_US = 200

interface AttachedWorker {
  sessionId: string
  title: string
}

/** Sends a Profiler command to a worker over the main thread's session and resolves with its result. */
class WorkerProfilers {
  readonly #session: Session
  readonly #pending = new Map<number, (result: unknown) => void>()
  #nextId = 1

  constructor(session: Session) {
    this.#session = session
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      const message = JSON.parse(params.message) as { id?: number; result?: unknown }
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result)
    })
  }

  /** The workers running now (attaching to each). */
  async attach(): Promise<AttachedWorker[]> {
    const workers: AttachedWorker[] = []
    // Node's module loader thread (tsx's hooks) blocks the main thread's imports, not a bench's work: left alone.
    const onAttached = ({ params }: { params: { sessionId: string; workerInfo: { title: string; type: string } } }) => {
      if (params.workerInfo.type === 'worker' && !/loader|hooks/i.test(params.workerInfo.title)) workers.push({ sessionId: params.sessionId, title: params.workerInfo.title })
    }
    this.#session.on('NodeWorker.attachedToWorker', onAttached)
    await this.#session.post('NodeWorker.enable', { waitForDebuggerOnStart: false })
    await new Promise((r) => setTimeout(r, 100)) // the attach events follow the enable
    this.#session.off('NodeWorker.attachedToWorker', onAttached)
    return workers
  }

  /** Resolves with the command's result, or undefined if the worker does not answer within 5 s (ended meanwhile). */
  send(worker: AttachedWorker, method: string, params: object = {}): Promise<unknown> {
    const id = this.#nextId++
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5000)
      this.#pending.set(id, (result) => {
        clearTimeout(timer)
        this.#pending.delete(id)
        resolve(result)
      })
      void this.#session.post('NodeWorker.sendMessageToWorker', { sessionId: worker.sessionId, message: JSON.stringify({ id, method, params }) })
    })
  }
}

export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!dir) return fn()
  const session = new Session()
  session.connect()
  const profilers = new WorkerProfilers(session)
  const workers = await profilers.attach()
  console.error(`profiling the main thread and ${workers.map((w) => w.title).join(', ') || 'no worker thread'}`)
  for (const w of workers) {
    await profilers.send(w, 'Profiler.enable')
    await profilers.send(w, 'Profiler.setSamplingInterval', { interval: SAMPLING_US })
    await profilers.send(w, 'Profiler.start')
  }
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_US })
  await session.post('Profiler.start')
  try {
    return await fn()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
    for (const [i, w] of workers.entries()) {
      const result = (await profilers.send(w, 'Profiler.stop')) as { profile: unknown } | undefined
      const title = w.title.replace(/[^\w.-]+/g, '_').slice(0, 60) || `worker${i}`
      if (result) writeFileSync(join(dir, `${name}.${i}.${title}.cpuprofile`), JSON.stringify(result.profile))
    }
    await session.post('NodeWorker.disable')
    session.disconnect()
  }
}
