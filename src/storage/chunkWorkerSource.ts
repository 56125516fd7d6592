/**
 * The code the chunk workers run (chunkWorkers.ts): plain CommonJS, evaluated in each worker
 * thread, so no loader or build step is needed. Messages: `seal`, `open`, `verify` on one
 * chunk in a shared-memory slot; `hash`, `digest`, `drop` on a stream's SHA-256, kept in the
 * worker between messages (messages from one port arrive in order).
 */

// sha256: the content hash of a stream, off the main thread: on 2 cores the main thread
// otherwise carries the SHA-256 (the largest single cost) plus all the bookkeeping, and
// becomes the bottleneck as soon as other processes compete for the CPU.
//
// seal / open: node:crypto returns a new buffer from every update(), so the chunk goes
// through in 16 KiB pieces, each written back in place (GCM outputs exactly as many bytes as
// it consumes): small outputs come from the allocator's reused, cache-warm memory, where
// 64 KiB and larger ones keep faulting in fresh pages (measured: 4x the page faults, more CPU).
//
// verify: GHASH only, no decryption and no output. GCM's tag is
//   E(J0) xor GHASH_H(A || 0* || C || 0* || len(A) || len(C)),   H = E(0^128).
// As GMAC over A' = A || 0* || C || 0* (all of it authenticated data, no plaintext), OpenSSL
// computes E(J0) xor GHASH_H(A' || len(A') || 0): the same blocks but the last, so both GHASH
// values differ by exactly (lengths xor lengths') * H, and
//   tag = gmac xor ((len(A) || len(C)) xor (len(A') || 0)) * H.
// The accept/reject decision is GCM's own (constant-time compare of the full 16-byte tag),
// at a third of the cost of decrypting (the AES-CTR half is skipped).
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createCipheriv, createDecipheriv, createHash, timingSafeEqual } = require('node:crypto')
const PIECE = 16384
const ZERO = Buffer.alloc(16)
const hashes = new Map() // stream id -> SHA-256 in progress

function transform(cipher, slot, length) {
  for (let at = 0; at < length; at += PIECE) {
    const out = cipher.update(slot.subarray(at, Math.min(at + PIECE, length)))
    if (out.length > 0) slot.fill(out, at, at + out.length) // one memcpy into shared memory
  }
}

// GF(2^128) product in GCM's bit order, on 4 big-endian u32 words.
function gfMul(x, y) {
  const z = [0, 0, 0, 0]
  const v = y.slice()
  for (let i = 0; i < 128; i++) {
    if ((x[i >>> 5] >>> (31 - (i & 31))) & 1) for (let k = 0; k < 4; k++) z[k] ^= v[k]
    const lsb = v[3] & 1
    v[3] = (v[3] >>> 1) | ((v[2] & 1) << 31)
    v[2] = (v[2] >>> 1) | ((v[1] & 1) << 31)
    v[1] = (v[1] >>> 1) | ((v[0] & 1) << 31)
    v[0] = v[0] >>> 1
    if (lsb) v[0] ^= 0xe1000000
  }
  return z
}
const words = (b) => [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)]
// [len(A) || len(C)] in bits, as words (lengths below 2^32 bytes).
const lengths = (a, c) => [Math.floor(a / 0x20000000), (a * 8) >>> 0, Math.floor(c / 0x20000000), (c * 8) >>> 0]

function verify(m, slot) {
  const ciphertext = m.length - 16
  if (ciphertext < 0) return false
  const padA = (16 - (m.aad.length % 16)) % 16
  const padC = (16 - (ciphertext % 16)) % 16
  const gmac = createCipheriv('aes-256-gcm', m.key, m.iv, { authTagLength: 16 })
  gmac.setAAD(m.aad)
  if (padA) gmac.setAAD(ZERO.subarray(0, padA))
  if (ciphertext) gmac.setAAD(slot.subarray(0, ciphertext))
  if (padC) gmac.setAAD(ZERO.subarray(0, padC))
  gmac.final()
  const ecb = createCipheriv('aes-256-ecb', m.key, null).setAutoPadding(false)
  const h = words(ecb.update(ZERO))
  const real = lengths(m.aad.length, ciphertext)
  const used = lengths(m.aad.length + padA + ciphertext + padC, 0)
  const fix = gfMul(real.map((w, k) => (w ^ used[k]) >>> 0), h)
  const tag = Buffer.from(gmac.getAuthTag())
  for (let k = 0; k < 4; k++) tag.writeUInt32BE((tag.readUInt32BE(4 * k) ^ fix[k]) >>> 0, 4 * k)
  return timingSafeEqual(tag, slot.subarray(ciphertext, m.length))
}

parentPort.on('message', (m) => {
  try {
    if (m.op === 'hash') {
      let hash = hashes.get(m.stream)
      if (!hash) hashes.set(m.stream, (hash = createHash('sha256')))
      if (m.length > 0) hash.update(Buffer.from(m.shared, 0, m.length))
      parentPort.postMessage({ id: m.id, length: m.length })
      return
    }
    if (m.op === 'digest' || m.op === 'drop') {
      const hash = hashes.get(m.stream) ?? createHash('sha256')
      hashes.delete(m.stream)
      parentPort.postMessage({ id: m.id, length: 32, digest: m.op === 'digest' ? hash.digest() : undefined })
      return
    }
    const slot = Buffer.from(m.shared)
    if (m.op === 'seal') {
      const c = createCipheriv('aes-256-gcm', m.key, m.iv, { authTagLength: 16 })
      c.setAAD(m.aad)
      transform(c, slot, m.length)
      c.final()
      slot.fill(c.getAuthTag(), m.length, m.length + 16)
      parentPort.postMessage({ id: m.id, length: m.length + 16 })
    } else if (m.op === 'verify') {
      parentPort.postMessage({ id: m.id, length: verify(m, slot) ? m.length : -1 })
    } else {
      const d = createDecipheriv('aes-256-gcm', m.key, m.iv, { authTagLength: 16 })
      d.setAAD(m.aad)
      d.setAuthTag(Buffer.from(slot.subarray(m.length - 16, m.length)))
      transform(d, slot, m.length - 16)
      try {
        d.final()
      } catch {
        parentPort.postMessage({ id: m.id, length: -1 }) // the slot now holds garbage: never used
        return
      }
      parentPort.postMessage({ id: m.id, length: m.length - 16 })
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) })
  }
})
`
