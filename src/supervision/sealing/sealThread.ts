/**
 * The seal thread's program (see Sealer.ts): answers `{ id, request }` with
 * `{ id, sealed, busyMs }` (the time it took) or `{ id, error }`. Messages from one port arrive in order.
 *
 * With `feed: { ticket, port? }` it seals the request into database rows instead
 * (`sealToRows`), posts them as `{ ticket, parts }` on the feed port — a port to the SQLite
 * writer thread, sent with the first request that uses it and kept — and answers only
 * `{ id, recordIds, leaves, busyMs }`: the rows never pass through the main thread. The
 * payload is posted before the answer, so it is on its way before the main thread can ask the
 * writer thread to insert it.
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import { sealBatch, sealToRows, type SealRequest } from './sealBatch.ts'

let feedPort: MessagePort | undefined

parentPort!.on('message', (m: { id: number; request: SealRequest; feed?: { ticket: number; port?: MessagePort } }) => {
  try {
    const started = performance.now()
    if (m.feed) {
      if (m.feed.port) {
        feedPort?.close()
        feedPort = m.feed.port
      }
      if (!feedPort) throw new Error('a fed request came before any feed port')
      const { recordIds, leaves, parts } = sealToRows(m.request)
      feedPort.postMessage({ ticket: m.feed.ticket, parts })
      parentPort!.postMessage({ id: m.id, recordIds, leaves, busyMs: performance.now() - started }, [leaves.buffer as ArrayBuffer])
      return
    }
    const sealed = sealBatch(m.request)
    parentPort!.postMessage({ id: m.id, sealed, busyMs: performance.now() - started }, [sealed.leaves.buffer as ArrayBuffer])
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) })
  }
})
parentPort!.postMessage({ ready: true })
