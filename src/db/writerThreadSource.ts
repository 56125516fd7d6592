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
 * Feeds: `{ feed: port }` hands the thread a MessagePort on which another thread (the
 * supervision seal thread) posts statement parameters it computed, `{ ticket, parts }`, so
 * they reach the database without passing through the main thread. A statement whose
 * parameters are `{ ticket, part }` takes `parts[part]` of that ticket's payload; its
 * transaction waits (at most `feedWaitMs`) until the payload has arrived — it was posted
 * before the main thread heard it was ready, but on another port, so it may arrive after the
 * transaction. A payload is used by one transaction and then dropped, whatever its outcome;
 * `{ discard: ticket }` drops one that no transaction will use.
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

const feeds = [] // ports other threads post parameters on
const fed = new Map() // ticket -> parts
const discarded = new Set() // tickets dropped before their payload arrived
let waiting // the transaction waiting for a payload: { m, timer }

const drop = (ticket) => { if (!fed.delete(ticket)) discarded.add(ticket) } // its payload, whether or not it came yet

const ticketsOf = (m) => {
  const tickets = []
  for (const s of m.statements) if (s[1] && !Array.isArray(s[1])) tickets.push(s[1].ticket)
  return tickets
}

const run = (m) => {
  const tickets = ticketsOf(m)
  if (tickets.some((t) => !fed.has(t))) {
    const timer = setTimeout(() => {
      waiting = undefined
      for (const t of tickets) drop(t)
      parentPort.postMessage({ id: m.id, error: { message: 'the rows fed for this transaction did not arrive within ' + workerData.feedWaitMs + ' ms', code: 'FEED_TIMEOUT' } })
    }, workerData.feedWaitMs)
    waiting = { m, timer }
    return
  }
  try {
    const started = performance.now()
    const list = tickets.length === 0 ? m.statements : m.statements.map((s) => (s[1] && !Array.isArray(s[1]) ? [s[0], fed.get(s[1].ticket)[s[1].part]] : s))
    for (const t of tickets) fed.delete(t) // used once, whatever the outcome
    runAll.immediate(list)
    parentPort.postMessage({ id: m.id, busyMs: performance.now() - started })
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message || e), code: e && e.code } })
  }
}

const onFed = (p) => {
  if (discarded.delete(p.ticket)) return
  fed.set(p.ticket, p.parts)
  if (waiting && ticketsOf(waiting.m).every((t) => fed.has(t))) {
    const { m, timer } = waiting
    waiting = undefined
    clearTimeout(timer)
    run(m)
  }
}

parentPort.on('message', (m) => {
  if (m.close) {
    for (const port of feeds) port.close()
    db.close()
    parentPort.close()
    return
  }
  if (m.feed) {
    feeds.push(m.feed)
    m.feed.on('message', onFed)
    m.feed.on('close', () => feeds.splice(feeds.indexOf(m.feed) >>> 0, 1))
    return
  }
  if (m.discard !== undefined) return drop(m.discard)
  run(m)
})
`
