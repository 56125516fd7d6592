import assert from 'node:assert/strict'
import type { FileHandle } from 'node:fs/promises'
import { test } from 'node:test'
import { Writeback, WRITEBACK_EVERY } from './writeback.ts'

/** A file handle whose datasync() calls are counted and finished (or failed) by the test. */
function fakeHandle() {
  const calls: { resolve: () => void; reject: (e: Error) => void }[] = []
  const handle = { datasync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })) } as unknown as FileHandle
  return { handle, calls }
}

test('a background sync every WRITEBACK_EVERY bytes, one at a time in the whole process', async () => {
  const a = fakeHandle()
  const b = fakeHandle()
  const wa = new Writeback(a.handle)
  const wb = new Writeback(b.handle)
  wa.wrote(WRITEBACK_EVERY - 1)
  assert.equal(a.calls.length, 0)
  wa.wrote(WRITEBACK_EVERY)
  assert.equal(a.calls.length, 1)
  wa.wrote(3 * WRITEBACK_EVERY) // its own sync still runs
  wb.wrote(5 * WRITEBACK_EVERY) // another file's sync still runs
  assert.equal(a.calls.length + b.calls.length, 1)
  a.calls[0]!.resolve()
  await wa.settle()
  wb.wrote(5 * WRITEBACK_EVERY)
  assert.equal(b.calls.length, 1)
  wa.wrote(4 * WRITEBACK_EVERY) // b's turn now
  assert.equal(a.calls.length, 1)
  b.calls[0]!.resolve()
  await wb.settle()
})

test('the first failed background sync is thrown by settle(), even once it has ended', async () => {
  const { handle, calls } = fakeHandle()
  const writeback = new Writeback(handle)
  writeback.wrote(WRITEBACK_EVERY)
  calls[0]!.reject(new Error('EIO: i/o error, fdatasync'))
  await new Promise((r) => setImmediate(r))
  await assert.rejects(writeback.settle(), /EIO/)
  await assert.rejects(writeback.settle(), /EIO/)
})
