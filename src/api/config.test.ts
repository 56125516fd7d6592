/** API settings: flags > environment > file > defaults; bad values name their source. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { apiConfigDefaults, resolveApiConfig } from './config.ts'

test('defaults, then file, then environment, then flags', () => {
  assert.deepEqual(resolveApiConfig(), apiConfigDefaults)
  const file = { host: '0.0.0.0', port: 9000, enabled: true }
  assert.deepEqual(resolveApiConfig({ file }), { ...apiConfigDefaults, host: '0.0.0.0', port: 9000 })
  const env = { BOURSE_API_PORT: '9100', BOURSE_API_HOST: '::1', BOURSE_LOG_LEVEL: 'debug' }
  assert.deepEqual(resolveApiConfig({ file, env }), { enabled: true, host: '::1', port: 9100, logLevel: 'debug' })
  assert.deepEqual(resolveApiConfig({ file, env, flags: { apiPort: '9200', apiHost: 'localhost' } }), { enabled: true, host: 'localhost', port: 9200, logLevel: 'debug' })
  assert.equal(resolveApiConfig({ file: { enabled: false } }).enabled, false)
  assert.equal(resolveApiConfig({ file: { enabled: false }, env: { BOURSE_API: '1' } }).enabled, true)
  assert.equal(resolveApiConfig({ env: { BOURSE_API: '1' }, flags: { api: false } }).enabled, false)
  assert.equal(resolveApiConfig({ env: { BOURSE_API_PORT: '' } }).port, 8080, 'an empty variable is unset')
})

test('invalid values are refused with their source', () => {
  assert.throws(() => resolveApiConfig({ flags: { apiPort: '70000' } }), { name: 'ApiConfigError', message: /--api-port.*70000/ })
  assert.throws(() => resolveApiConfig({ env: { BOURSE_API_PORT: 'eighty' } }), { message: /env BOURSE_API_PORT/ })
  assert.throws(() => resolveApiConfig({ file: { host: 'a b' } }), { message: /config.json api.host/ })
  assert.throws(() => resolveApiConfig({ env: { BOURSE_API: 'maybe' } }), { message: /env BOURSE_API/ })
  assert.throws(() => resolveApiConfig({ env: { BOURSE_LOG_LEVEL: 'loud' } }), { message: /BOURSE_LOG_LEVEL/ })
})
