import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { FallbackThread } from './FallbackThread.ts'

/** A thread that doubles numbers, exits on `{ exit: true }`, and says it is ready unless told not to. */
const DOUBLER = `
const { parentPort, workerData } = require('node:worker_threads')
parentPort.on('message', (m) => {
  if (m.exit) process.exit(3)
  parentPort.postMessage({ id: m.id, value: m.n * 2 })
})
if (workerData && workerData.failAtStart) throw new Error('cannot start')
parentPort.postMessage({ ready: true })
`

function doubler(p: { workerData?: unknown; program?: () => Promise<{ source: string }> } = {}) {
  const warnings: string[] = []
  const thread = new FallbackThread<number>({
    name: 'the doubling thread',
    fallback: 'doubling inline',
    program: p.program ?? (async () => ({ source: DOUBLER })),
    workerData: p.workerData,
    read: (m) => (typeof m.value === 'number' ? { value: m.value } : { error: new Error('no value') }),
    failure: (why) => new Error(`doubling thread: ${why}`),
    logger: { warn: ((_: unknown, message: string) => void warnings.push(message)) as unknown as Logger['warn'] },
  })
  return { thread, warnings }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10)
  assert.ok(condition(), 'condition not reached in 5 s')
}

test('work is done inline until the thread says it is ready, then goes to the thread', async () => {
  const { thread } = doubler()
  try {
    assert.equal(thread.current(), undefined, 'not ready at first use: inline')
    await until(() => thread.ready)
    assert.equal(await thread.current()!.request({ n: 21 }), 42)
  } finally {
    await thread.close()
  }
})

test('a thread that dies after it was ready is replaced at the next use; inline meanwhile', async () => {
  const { thread, warnings } = doubler()
  try {
    thread.warm()
    await until(() => thread.ready)
    const first = thread.current()!
    await assert.rejects(first.request({ exit: true }), /doubling thread: exited \(3\)/)
    assert.equal(thread.ready, false)
    assert.deepEqual(warnings, ['the doubling thread died; a new one starts at the next use'])
    assert.equal(thread.current(), undefined, 'the use that starts the new thread works inline')
    await until(() => thread.ready)
    const second = thread.current()!
    assert.notEqual(second, first)
    assert.equal(await second.request({ n: 5 }), 10)
  } finally {
    await thread.close()
  }
})

test('a thread that fails before it is ready is not tried again: inline from then on', async () => {
  const { thread, warnings } = doubler({ workerData: { failAtStart: true } })
  try {
    thread.warm()
    await until(() => warnings.length > 0)
    assert.deepEqual(warnings, ['the doubling thread cannot start; doubling inline'])
    for (let i = 0; i < 3; i++) assert.equal(thread.current(), undefined)
    await sleep(100)
    assert.equal(thread.ready, false)
    assert.equal(warnings.length, 1, 'no second thread was started')
  } finally {
    await thread.close()
  }
})

test('a program that does not build leaves the work inline, said once', async () => {
  let builds = 0
  const { thread, warnings } = doubler({
    program: async () => {
      builds++
      throw new Error('no esbuild')
    },
  })
  thread.warm()
  await until(() => warnings.length > 0)
  assert.equal(thread.current(), undefined)
  assert.equal(thread.current(), undefined)
  assert.deepEqual(warnings, ['the doubling thread has no program; doubling inline'])
  assert.equal(builds, 1)
  await thread.close()
})

test('close waits for the answers of work already given', async () => {
  const { thread } = doubler()
  thread.warm()
  await until(() => thread.ready)
  const answers = [1, 2, 3].map((n) => thread.current()!.request({ n }))
  await thread.close()
  assert.deepEqual(await Promise.all(answers), [2, 4, 6])
  assert.equal(thread.current(), undefined, 'closed: inline')
})
