/**
 * The seal thread's program (see Sealer.ts): answers `{ id, request }` with
 * `{ id, sealed, busyMs }` (the time it took) or `{ id, error }`. Messages from one port arrive in order.
 */
import { parentPort } from 'node:worker_threads'
import { sealBatch, type SealRequest } from './sealBatch.ts'

parentPort!.on('message', (m: { id: number; request: SealRequest }) => {
  try {
    const started = performance.now()
    const sealed = sealBatch(m.request)
    parentPort!.postMessage({ id: m.id, sealed, busyMs: performance.now() - started }, [sealed.leaves.buffer as ArrayBuffer])
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) })
  }
})
parentPort!.postMessage({ ready: true })
