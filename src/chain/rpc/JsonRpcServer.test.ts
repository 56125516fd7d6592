import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  MethodNotSupportedRpcError,
} from 'viem'
import { EmbeddedChain } from '../embedded/EmbeddedChain.ts'
import { decodeJournal } from '../embedded/journalFormat.ts'
import { freeGas, testAccount } from '../embedded/testing/signer.ts'
import { tokenAbi, tokenBytecode } from '../embedded/testing/Token.ts'
import { startJsonRpcServer, type JsonRpcServer } from './JsonRpcServer.ts'

let dataDir: string
let chain: EmbeddedChain
let server: JsonRpcServer

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bourse-rpc-'))
  chain = await EmbeddedChain.open({ dataDir })
  server = await startJsonRpcServer({ provider: chain.provider, port: 0, maxBodyBytes: 64 * 1024, maxBatchSize: 50 })
})
after(async () => {
  await server?.close()
  await chain?.close()
  await rm(dataDir, { recursive: true, force: true })
})

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(server.url, { method: 'POST', body: body as string, headers: { 'content-type': 'application/json', ...headers } })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

describe('JsonRpcServer', () => {
  it('serves the embedded chain to viem over HTTP, and a raw transaction sent over HTTP is journaled', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const viemChain = defineChain({ id: chain.chainId, name: 'embedded', nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 }, rpcUrls: { default: { http: [server.url] } } })
    const transport = http(server.url)
    const publicClient = createPublicClient({ chain: viemChain, transport })
    const account = testAccount(50)
    const wallet = createWalletClient({ account, chain: viemChain, transport })
    const hash = await wallet.deployContract({ abi: tokenAbi, bytecode: tokenBytecode(), args: [100n], ...freeGas })
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 })
    assert.equal(receipt.status, 'success')
    assert.equal(await publicClient.getBlockNumber(), chain.headBlock().number)

    // The engine's revert data crosses HTTP intact: viem decodes the custom error.
    await assert.rejects(
      publicClient.simulateContract({ account, address: receipt.contractAddress!, abi: tokenAbi, functionName: 'transfer', args: [account.address, 101n] }),
      (err: unknown) => {
        const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null
        assert.ok(revert instanceof ContractFunctionRevertedError, String(err))
        assert.equal(revert.data?.errorName, 'TokenInsufficientBalance')
        return true
      },
    )
    // A refused method reaches viem as "method not supported", naming the method.
    await assert.rejects(publicClient.request({ method: 'evm_snapshot' } as never), (err: unknown) => {
      assert.ok(err instanceof MethodNotSupportedRpcError)
      assert.match(err.details, /evm_snapshot/)
      return true
    })

    const { records } = decodeJournal(await readFile(join(dataDir, 'chain', 'journal.bin')))
    const journaled = records.find((r) => r.kind === 'block' && r.number === receipt.blockNumber)
    assert.ok(journaled && journaled.kind === 'block')
    assert.equal(journaled.hash, receipt.blockHash)
    assert.equal(journaled.txs.length, 1)
    assert.equal(keccak256(journaled.txs[0]!), hash, 'the journal holds the raw signed transaction')
  })

  it('answers batches in order, skipping notifications', async () => {
    const { status, json } = await post(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', method: 'eth_blockNumber' }, // notification: no entry
        { jsonrpc: '2.0', id: 'b', method: 'net_version', params: [] },
        { jsonrpc: '2.0', id: 3, method: 'hardhat_setBalance', params: ['0x0000000000000000000000000000000000000001', '0x1'] },
        { id: 4, method: 'eth_chainId' },
        7,
      ]),
    )
    assert.equal(status, 200)
    assert.deepEqual(json.map((r: any) => r.id), [1, 'b', 3, 4, null])
    assert.equal(json[0].result, `0x${chain.chainId.toString(16)}`)
    assert.equal(json[1].result, String(chain.chainId))
    assert.equal(json[2].error.code, -32004)
    assert.match(json[2].error.message, /hardhat_setBalance/)
    assert.equal(json[3].error.code, -32600)
    assert.equal(json[4].error.code, -32600)
  })

  it('turns malformed input into JSON-RPC errors and keeps serving', async () => {
    const cases: [string, number][] = [
      ['{"jsonrpc":"2.0","id":1,"method":', -32700],
      ['', -32700],
      ['[]', -32600],
      ['null', -32600],
      ['"eth_chainId"', -32600],
      ['{"jsonrpc":"2.0","id":1,"method":5}', -32600],
      ['{"jsonrpc":"2.0","id":{"x":1},"method":"eth_chainId"}', -32600],
      ['{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":"0x00"}', -32602],
      ['{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":[12,{}]}', -32602],
      ['{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0xzz"]}', -32602],
      ['{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":[]}', -32602],
      [JSON.stringify(Array.from({ length: 51 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_chainId' }))), -32005],
    ]
    for (const [body, code] of cases) {
      const { status, json } = await post(body)
      assert.equal(status, 200, body)
      assert.equal(json.error?.code, code, `${body} -> ${JSON.stringify(json)}`)
    }
    const head = chain.headBlock()
    // Too large, declared up front or streamed without a length.
    const big = Buffer.alloc(70 * 1024, 0x20)
    assert.equal((await post(new Uint8Array(big))).status, 413)
    assert.equal((await streamed(big)).status, 413)
    // Not POST.
    const get = await fetch(server.url)
    assert.equal(get.status, 405)
    assert.equal((await get.json()).error.code, -32600)
    // Notification only: nothing to say.
    assert.equal((await post('{"jsonrpc":"2.0","method":"eth_chainId"}')).status, 204)
    // Still alive, and nothing was mined by any of it.
    assert.equal((await post('{"jsonrpc":"2.0","id":9,"method":"eth_chainId"}')).json.result, `0x${chain.chainId.toString(16)}`)
    assert.deepEqual(chain.headBlock(), head)
  })
})

/** POSTs `body` with chunked transfer encoding (no Content-Length). */
function streamed(body: Buffer): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(server.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }))
    })
    req.on('error', reject)
    for (let at = 0; at < body.length; at += 8192) req.write(body.subarray(at, at + 8192))
    req.end()
  })
}
