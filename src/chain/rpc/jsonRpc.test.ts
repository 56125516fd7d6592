import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ForbiddenRpcMethodError } from '../../errors/chain.ts'
import { handleJsonRpcBody, toJsonRpcError } from './jsonRpc.ts'

describe('handleJsonRpcBody', () => {
  const target = {
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === 'echo') return params
      if (method === 'nothing') return undefined
      if (method === 'revert') throw Object.assign(new Error('execution reverted'), { code: 3, data: '0x1234' })
      if (method === 'bug') throw new TypeError('secret internals: /home/x')
      throw new ForbiddenRpcMethodError({ method, reason: 'unknown' })
    },
  }

  it('keeps engine error codes and revert data, hides uncoded errors and reports them', async () => {
    const seen: string[] = []
    const limits = { maxBatchSize: 10, onInternalError: (_: unknown, method: string) => void seen.push(method) }
    const out = JSON.parse(
      (await handleJsonRpcBody(
        target,
        JSON.stringify([
          { jsonrpc: '2.0', id: 1, method: 'echo', params: [1, 'a'] },
          { jsonrpc: '2.0', id: 2, method: 'nothing' },
          { jsonrpc: '2.0', id: 3, method: 'revert' },
          { jsonrpc: '2.0', id: 4, method: 'bug' },
          { jsonrpc: '2.0', id: 5, method: 'nope' },
        ]),
        limits,
      ))!,
    )
    assert.deepEqual(out, [
      { jsonrpc: '2.0', id: 1, result: [1, 'a'] },
      { jsonrpc: '2.0', id: 2, result: null },
      { jsonrpc: '2.0', id: 3, error: { code: 3, message: 'execution reverted', data: '0x1234' } },
      { jsonrpc: '2.0', id: 4, error: { code: -32603, message: 'Internal error' } },
      { jsonrpc: '2.0', id: 5, error: { code: -32004, message: 'Method nope is not allowed on the embedded chain: it is not on the list of methods this node serves.' } },
    ])
    assert.deepEqual(seen, ['bug'])
  })

  it('maps a BaseError to its short message only', () => {
    assert.deepEqual(toJsonRpcError(new ForbiddenRpcMethodError({ method: 'evm_revert', reason: 'state-breaking' })), {
      code: -32004,
      message: 'Method evm_revert is not allowed on the embedded chain: it would change chain state outside the durable journal (or needs an unlocked account).',
    })
    assert.deepEqual(toJsonRpcError('a string'), { code: -32603, message: 'Internal error' })
  })
})
