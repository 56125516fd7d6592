import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ForbiddenRpcMethodError } from '../../errors/chain.ts'
import { classifyRpcMethod } from './rpcPolicy.ts'

describe('classifyRpcMethod', () => {
  const closed = { allowDevMethods: false }
  const dev = { allowDevMethods: true }

  it('serves reads, journals raw sends and (only when allowed) dev writes', () => {
    for (const m of ['eth_call', 'eth_getLogs', 'eth_getTransactionReceipt', 'eth_estimateGas', 'net_version', 'web3_clientVersion', 'debug_traceTransaction', 'eth_subscribe']) {
      assert.equal(classifyRpcMethod(m, closed), 'read', m)
    }
    assert.equal(classifyRpcMethod('eth_sendRawTransaction', closed), 'send')
    for (const m of ['evm_mine', 'hardhat_mine', 'evm_increaseTime', 'evm_setNextBlockTimestamp']) {
      assert.equal(classifyRpcMethod(m, dev), 'dev-write')
      assert.throws(() => classifyRpcMethod(m, closed), /allowDevMethods/)
    }
  })

  it('refuses every state-breaking or key-using method, even with dev methods on', () => {
    const refused = [
      'eth_sendTransaction', 'eth_sign', 'eth_signTypedData_v4', 'hardhat_setBalance', 'hardhat_setCode', 'hardhat_setNonce',
      'hardhat_setStorageAt', 'hardhat_reset', 'hardhat_impersonateAccount', 'hardhat_dropTransaction', 'evm_snapshot',
      'evm_revert', 'evm_setAutomine', 'evm_setIntervalMining', 'anvil_setBalance', 'personal_sign', 'miner_start',
      'debug_setHead', 'totally_unknown', 'eth_send Raw',
    ]
    for (const method of refused) {
      assert.throws(() => classifyRpcMethod(method, dev), (err: unknown) => err instanceof ForbiddenRpcMethodError && err.message.includes(method), method)
    }
  })
})
