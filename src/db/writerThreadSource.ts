/**
 * The code the SQLite writer thread runs (writerThread.ts): plain CommonJS, evaluated in the
 * worker, so it needs no loader or build step (it also runs from the CLI bundle). Its one
 * dependency, better-sqlite3, comes by absolute path in `workerData` (resolved by the parent,
 * which knows where node_modules is).
 *
 * Messages, in order from one port: `{ id, statements: [sql, parameters][] }` runs the
 * statements in one BEGIN IMMEDIATE transaction (all or nothing) and answers `{ id, busyMs }` (the
 * time it took) or `{ id, error: { message, code } }`; `{ close: true }` closes the connection and ends the
 * thread after every earlier message.
 *
 * The connection is configured as the node's main one (WAL, synchronous FULL: a transaction is
 * on disk when its answer is sent), with a longer busy timeout: the main connection may hold
 * the write lock for a whole Kysely transaction, and waiting here blocks nothing but this
 * thread.
 */
export const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.betterSqlite3)
const db = new Database(workerData.file, { fileMustExist: true })
db.pragma('journal_mode = WAL')
db.pragma('synchronous = FULL')
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs)
db.pragma('foreign_keys = ON')
db.pragma('cache_size = ' + -workerData.cacheKib)
const statements = new Map() // SQL text -> prepared statement (the write path repeats a few dozen shapes)
const prepare = (text) => {
  let s = statements.get(text)
  if (!s) {
    if (statements.size >= 500) statements.delete(statements.keys().next().value)
    s = db.prepare(text)
    statements.set(text, s)
  }
  return s
}
const runAll = db.transaction((list) => {
  for (const [text, parameters] of list) prepare(text).run(parameters)
})
parentPort.on('message', (m) => {
  if (m.close) {
    db.close()
    parentPort.close()
    return
  }
  try {
    const started = performance.now()
    runAll.immediate(m.statements)
    parentPort.postMessage({ id: m.id, busyMs: performance.now() - started })
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message || e), code: e && e.code } })
  }
})
`
