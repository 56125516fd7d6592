/**
 * Speed of the Merkle module, for README.md: SHA-256 backends on a 65-byte node input, then
 * the anchorer's batch tree (build + every leaf's path) and the verifiers.
 *
 * Run: node --import tsx src/supervision/merkle/bench.ts [leaves=50000] [rounds=7]
 * Prints CPU and wall-clock time per operation, median and best of the rounds.
 */
import { createHash, hash } from 'node:crypto'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { headLeafHash, leafHash, MerkleTree, rootOf, verifyConsistency, verifyInclusion } from './index.ts'

const size = Number(process.argv[2] ?? 50_000)
const rounds = Number(process.argv[3] ?? 7)

/**
 * Runs `fn` `rounds` times after one warm-up and prints the time per call (divided by `per`):
 * wall clock and CPU time (user + system), median and best. CPU time is what to quote on a
 * shared machine: other processes stretch the wall clock, not this process's CPU time.
 */
function measure(label: string, fn: () => unknown, per = 1): void {
  fn()
  const wall: number[] = []
  const cpu: number[] = []
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    const startCpu = process.cpuUsage()
    fn()
    const used = process.cpuUsage(startCpu)
    wall.push(Number(process.hrtime.bigint() - start) / 1e6 / per)
    cpu.push((used.user + used.system) / 1e3 / per)
  }
  const fmt = (ms: number) => (ms < 0.1 ? `${(ms * 1e3).toFixed(2)} us` : `${ms.toFixed(1)} ms`).padStart(10)
  const stats = (xs: number[]) => (xs.sort((a, b) => a - b), `${fmt(xs[rounds >> 1]!)} ${fmt(xs[0]!)}`)
  console.log(`${label.padEnd(52)} ${stats(cpu)}   ${stats(wall)}`)
}

const node = new Uint8Array(65).map((_, i) => i)
const nodeBuffer = Buffer.from(node)
const count = 100_000
console.log(`${''.padEnd(52)} ${'CPU median'.padStart(10)} ${'best'.padStart(10)}   ${'wall median'.padStart(10)} ${'best'.padStart(10)}`)
console.log(`SHA-256 of a 65-byte node input (${count} hashes per round, time per hash):`)
measure('  node:crypto hash() one-shot', () => { for (let i = 0; i < count; i++) hash('sha256', nodeBuffer, 'buffer') }, count)
measure('  node:crypto createHash().update().digest()', () => { for (let i = 0; i < count; i++) createHash('sha256').update(nodeBuffer).digest() }, count)
measure('  @noble/hashes sha256', () => { for (let i = 0; i < count; i++) nobleSha256(node) }, count)

const root = new Uint8Array(32).fill(7)
const leaves = Array.from({ length: size }, (_, i) => headLeafHash(BigInt(i + 1), i % 1000, root))
console.log(`\nBatch tree of ${size} channel heads:`)
measure('  headLeafHash for every head', () => { for (let i = 0; i < size; i++) headLeafHash(BigInt(i + 1), i % 1000, root) })
measure('  rootOf(leaves)', () => rootOf(leaves))
measure('  new MerkleTree(leaves)', () => new MerkleTree(leaves))
measure('  new MerkleTree(leaves) + paths() (the anchorer)', () => new MerkleTree(leaves).paths())
const tree = new MerkleTree(leaves)
const paths = tree.paths()
measure('  verifyInclusion, every leaf (time per proof)', () => {
  for (let i = 0; i < size; i++) verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: size, proof: paths[i]!, root: tree.root })
}, size)
const old = Math.floor(size * 0.7)
const proof = tree.consistencyProof(old)
const oldRoot = tree.rootAt(old)
measure(`  verifyConsistency ${old} -> ${size} (time per proof)`, () => {
  for (let i = 0; i < 1000; i++) verifyConsistency({ oldSize: old, newSize: size, oldRoot, newRoot: tree.root, proof })
}, 1000)
measure('  leafHash of a 1 KiB record', () => { for (let i = 0; i < 10_000; i++) leafHash(new Uint8Array(1024)) }, 10_000)
