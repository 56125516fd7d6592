import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import type { Hex } from 'viem'
import { EmbeddedChain } from './EmbeddedChain.ts'
import { signTransfer, testAccount } from './testing/signer.ts'

const child = fileURLToPath(new URL('./testing/crashChild.ts', import.meta.url))
const dirs: string[] = []
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

/** Runs the child until it has acknowledged `minAcks` transactions (+ a random few), then SIGKILLs it. */
function runAndKill(dataDir: string, minAcks: number): Promise<Hex[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acks: Hex[] = []
    let stderr = ''
    let buffered = ''
    let killed = false
    const killAt = minAcks + Math.floor(Math.random() * 50)
    proc.stderr.on('data', (d) => (stderr += d))
    proc.stdout.on('data', (d) => {
      buffered += d
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) if (line.startsWith('ack ')) acks.push(line.slice(4) as Hex)
      if (!killed && acks.length >= killAt) {
        killed = true
        proc.kill('SIGKILL')
      }
    })
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks)
      else reject(new Error(`child exited with ${code}: ${stderr}`))
    })
  })
}

describe('embedded chain durability under SIGKILL', () => {
  it('keeps every acknowledged transaction across two kills mid-stream, and goes on', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bourse-crash-'))
    dirs.push(dataDir)
    const acked = [...(await runAndKill(dataDir, 200)), ...(await runAndKill(dataDir, 200))]
    assert.ok(acked.length >= 400)

    const chain = await EmbeddedChain.open({ dataDir }) // replays and checks the head hash
    try {
      const request = (method: string, params: unknown[]) => chain.provider.request({ method, params } as never) as Promise<any>
      for (const hash of acked) {
        const receipt = await request('eth_getTransactionReceipt', [hash])
        assert.ok(receipt, `acknowledged transaction ${hash} is missing after the crash`)
        assert.equal(receipt.status, '0x1')
      }
      assert.ok(chain.startup.replayedTransactions >= acked.length)
      const head = chain.headBlock()
      assert.equal((await request('eth_getBlockByNumber', ['latest', false])).hash, head.hash)

      const account = testAccount(20)
      const nonce = Number(await request('eth_getTransactionCount', [account.address, 'latest']))
      const token = (await request('eth_getTransactionReceipt', [acked[0]])).contractAddress
      const hash = await request('eth_sendRawTransaction', [await signTransfer(account, nonce, chain.chainId, token, account.address, 0n)])
      assert.equal((await request('eth_getTransactionReceipt', [hash])).blockNumber, `0x${(head.number + 1n).toString(16)}`)
    } finally {
      await chain.close()
    }
  })
})
