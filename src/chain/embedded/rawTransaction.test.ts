import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testAccount } from './testing/signer.ts'
import { transactionGasLimit } from './rawTransaction.ts'

describe('transactionGasLimit', () => {
  const account = testAccount(0)
  const to = testAccount(1).address

  it('reads the gas limit of legacy, EIP-2930, EIP-1559 and EIP-7702 transactions', async () => {
    const common = { chainId: 31337, nonce: 3, to, data: '0x1234' } as const
    const signed = [
      [await account.signTransaction({ ...common, type: 'legacy', gas: 21_000n, gasPrice: 0n }), 21_000n],
      [await account.signTransaction({ ...common, type: 'eip2930', gas: 1n, gasPrice: 7n, accessList: [] }), 1n],
      [await account.signTransaction({ ...common, type: 'eip1559', gas: 1_000_000n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }), 1_000_000n],
      [await account.signTransaction({ ...common, type: 'eip1559', gas: 16_777_216n, maxFeePerGas: 10n ** 12n, maxPriorityFeePerGas: 1n }), 16_777_216n],
      [
        await account.signTransaction({
          ...common,
          type: 'eip7702',
          gas: 90_000n,
          maxFeePerGas: 0n,
          maxPriorityFeePerGas: 0n,
          authorizationList: [await account.signAuthorization({ chainId: 31337, nonce: 4, contractAddress: to })],
        }),
        90_000n,
      ],
    ] as const
    for (const [raw, gas] of signed) assert.equal(transactionGasLimit(raw), gas, raw.slice(0, 6))
  })

  it('answers undefined for anything it cannot read', () => {
    for (const raw of ['0x', '0x0', '0xzz', '0x05c0', '0x02', '0x02c3010203', '0xc0', '0x02f8ff00', '0x7f00']) {
      assert.equal(transactionGasLimit(raw as `0x${string}`), undefined, raw)
    }
  })
})
