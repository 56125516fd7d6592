import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Worker } from 'node:worker_threads'
import { RequestChannel } from './RequestChannel.ts'

/** A thread that doubles `x` after `delay` ms, says hello first, and dies or throws on demand. */
const PROGRAM = `
const { parentPort } = require('node:worker_threads')
parentPort.postMessage({ hello: true })
parentPort.on('message', ({ id, x, delay }) => {
  if (x === 'exit') process.exit(3)
  if (x === 'throw') setTimeout(() => { throw new Error('boom') })
  else if (typeof x !== 'number') parentPort.postMessage({ id, error: 'not a number: ' + x })
  else setTimeout(() => parentPort.postMessage({ id, doubled: x * 2 }), delay ?? 0)
})
`

function channel(events: { messages: unknown[]; failures: Error[] }) {
  return new RequestChannel<number>(new Worker(PROGRAM, { eval: true }), {
    read: (m) => (m.error !== undefined ? { error: new Error(String(m.error)) } : { value: Number(m.doubled) }),
    failure: (why) => new Error(`test thread: ${why}`),
    onMessage: (m) => events.messages.push(m),
    onFailure: (e) => events.failures.push(e),
  })
}

test('answers reach the request they answer, whatever their order; other messages go to onMessage', async () => {
  const events = { messages: [] as unknown[], failures: [] as Error[] }
  const c = channel(events)
  try {
    const slow = c.request({ x: 1, delay: 60 })
    const fast = c.request({ x: 2, delay: 0 })
    const refused = assert.rejects(c.request({ x: 'two' }), /not a number: two/)
    assert.equal(c.size, 3)
    assert.equal(await fast, 4)
    await refused
    assert.equal(await slow, 2)
    assert.equal(c.size, 0)
    assert.deepEqual(events.messages, [{ hello: true }])
    await c.drained() // none out: at once
  } finally {
    await c.worker.terminate()
  }
})

test('drained waits for the last answer', async () => {
  const c = channel({ messages: [], failures: [] })
  try {
    const order: string[] = []
    const answer = c.request({ x: 5, delay: 40 }).then(() => order.push('answer'))
    await c.drained().then(() => order.push('drained'))
    await answer
    assert.deepEqual(order.sort(), ['answer', 'drained'])
    assert.equal(c.size, 0)
  } finally {
    await c.worker.terminate()
  }
})

for (const how of ['exit', 'throw'] as const) {
  test(`a thread that fails (${how}) rejects every request out with one error, tells the owner once, refuses later requests`, async () => {
    const events = { messages: [] as unknown[], failures: [] as Error[] }
    const c = channel(events)
    const expected = how === 'exit' ? /test thread: exited \(3\)/ : /test thread: boom/
    const waiting = assert.rejects(c.request({ x: 1, delay: 10_000 }), expected)
    const killer = assert.rejects(c.request({ x: how }), expected)
    const drained = c.drained()
    await waiting
    await killer
    await drained // failure drains too
    await new Promise((r) => setTimeout(r, 50)) // 'error' is followed by 'exit'
    assert.equal(events.failures.length, 1)
    assert.match(events.failures[0]!.message, expected)
    assert.equal(c.failed, true)
    assert.equal(c.size, 0)
    await assert.rejects(c.request({ x: 1 }), expected)
  })
}
