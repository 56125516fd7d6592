/**
 * Child process for the SIGKILL durability test: opens the embedded chain in argv[2], deploys
 * Token on first use, then sends transfers from four accounts concurrently, forever, printing
 * `ack <txHash>` for every acknowledged transaction. The parent kills it with SIGKILL.
 *
 * Run: node --import tsx src/chain/embedded/testing/crashChild.ts <dataDir>
 */
import { getContractAddress, type Hex } from 'viem'
import { EmbeddedChain } from '../EmbeddedChain.ts'
import { signTokenDeploy, signTransfer, testAccount } from './signer.ts'

const dataDir = process.argv[2]
if (!dataDir) throw new Error('usage: crashChild.ts <dataDir>')

const chain = await EmbeddedChain.open({ dataDir })
const request = (method: string, params: unknown[]) => chain.provider.request({ method, params } as never) as Promise<unknown>
const owner = testAccount(10)
const token = getContractAddress({ from: owner.address, nonce: 0n })
if ((await request('eth_getCode', [token, 'latest'])) === '0x') {
  const { raw } = await signTokenDeploy(owner, 0, chain.chainId, 10n ** 18n)
  process.stdout.write(`ack ${(await request('eth_sendRawTransaction', [raw])) as Hex}\n`)
}
process.stdout.write('ready\n')

async function worker(index: number): Promise<never> {
  const account = testAccount(20 + index)
  let nonce = Number(await request('eth_getTransactionCount', [account.address, 'latest']))
  for (;;) {
    const raw = await signTransfer(account, nonce++, chain.chainId, token, testAccount(30).address, 0n)
    process.stdout.write(`ack ${(await request('eth_sendRawTransaction', [raw])) as Hex}\n`)
  }
}
await Promise.all([0, 1, 2, 3].map(worker))
