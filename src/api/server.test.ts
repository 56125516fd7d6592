/**
 * The API on a socket: graceful shutdown stops accepting, lets the request in flight finish
 * (and answers it), then closes.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import { createApi } from './createApi.ts'
import { RequestTracker } from './RequestTracker.ts'
import { startApiServer } from './server.ts'
import { staticKeyring } from './keyring.ts'
import type { BourseClient } from '../sdk/BourseClient.ts'

test('graceful shutdown: the request in flight completes, new connections are refused', async () => {
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  // A chain whose head answers only when released: /health stays in flight until then.
  const client = {
    deployment: { chainId: 31337 },
    publicClient: { getBlockNumber: async () => (await gate, 7n) },
  } as unknown as BourseClient
  const tracker = new RequestTracker()
  const app = createApi({ client, keyring: staticKeyring([]), tokens: { save: async () => {} }, logger: pino({ level: 'silent' }), tracker })
  const server = await startApiServer({ app, tracker, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) })

  const inFlight = fetch(`${server.url}/health`)
  while (tracker.inFlight === 0) await new Promise((r) => setTimeout(r, 5))
  const closed = server.close(5000)
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(tracker.draining, true)
  await assert.rejects(fetch(`${server.url}/health`), 'no new connection after close()')
  release()
  const res = await inFlight
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { chain: { head: number } }).chain.head, 7)
  await closed
  assert.equal(tracker.inFlight, 0)
})

test('the tracker refuses requests while draining with 503 and connection: close', async () => {
  const tracker = new RequestTracker()
  const client = { deployment: { chainId: 1 }, publicClient: { getBlockNumber: async () => 1n } } as unknown as BourseClient
  const app = createApi({ client, keyring: staticKeyring([]), tokens: { save: async () => {} }, logger: pino({ level: 'silent' }), tracker })
  await tracker.drain(0)
  const res = await app.request('/health')
  assert.equal(res.status, 503)
  assert.equal(res.headers.get('connection'), 'close')
  assert.equal(((await res.json()) as { error: { reason: string } }).error.reason, 'shutting-down')
})
