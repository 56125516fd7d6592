/**
 * The verify thread's program (see ThreadedVerifier.ts): the node's {@link Verifier} on a read
 * connection of its own to the SQLite file, so that record verifications run beside the main
 * thread's HTTP handling rather than on it.
 *
 * Messages from the parent: `{ id, recordId }` is answered `{ id, verification }` or
 * `{ id, error }`; `{ ask, root }` / `{ ask, error }` answers this thread's `{ ask, rootOf }`.
 * Committed roots come from the parent, which reads them from the chain and caches them: this
 * thread has no chain connection, and takes no root from the database it checks.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Kysely, SqliteDialect } from 'kysely'
import type { Address, Hex } from 'viem'
import { openReadConnection } from '../../db/readConnection.ts'
import type { Database } from '../../db/schema.ts'
import { SupervisionStore } from '../SupervisionStore.ts'
import { Verifier } from '../Verifier.ts'

export interface VerifyThreadData {
  file: string
  chainId: number
  contract: Address
}

const port = parentPort!
const data = workerData as VerifyThreadData

// Kysely only compiles the store's queries here; they run on the read connection, never on
// this dialect's database (which would otherwise open a second connection).
const db = new Kysely<Database>({
  dialect: new SqliteDialect({
    database: () => Promise.reject(new Error('verify thread: queries run on its read connection only')),
  }),
})
const store = new SupervisionStore(db, openReadConnection(data.file))

const asked = new Map<number, { resolve(root: Hex | undefined): void; reject(error: Error): void }>()
let nextAsk = 0
const rootsFromParent = {
  batchRoot: (batch: number) =>
    new Promise<Hex | undefined>((resolve, reject) => {
      const ask = nextAsk++
      asked.set(ask, { resolve, reject })
      port.postMessage({ ask, rootOf: batch })
    }),
}
const verifier = new Verifier(store, rootsFromParent, { chainId: data.chainId, contract: data.contract })

port.on('message', (m: { id: number; recordId: Hex } | { ask: number; root?: Hex; error?: string }) => {
  if ('ask' in m) {
    const waiting = asked.get(m.ask)
    asked.delete(m.ask)
    if (m.error !== undefined) waiting?.reject(new Error(m.error))
    else waiting?.resolve(m.root)
    return
  }
  verifier.verify(m.recordId).then(
    (verification) => port.postMessage({ id: m.id, verification }),
    (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
  )
})
port.postMessage({ ready: true })
