import { randomBytes, webcrypto } from 'node:crypto'
import { gcm } from '@noble/ciphers/aes.js'
const subtle = webcrypto.subtle
const key = randomBytes(32), iv = randomBytes(12), aad = randomBytes(32), pt = randomBytes(200)
const ck = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
const N = 20000
for (let r = 0; r < 3; r++) {
  let t = performance.now()
  await Promise.all(Array.from({ length: N }, () => subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, ck, pt)))
  const a = (performance.now() - t) * 1000 / N
  t = performance.now()
  await Promise.all(Array.from({ length: N }, async () => { const k = await subtle.importKey('raw', randomBytes(32), 'AES-GCM', false, ['encrypt']); return subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, k, pt) }))
  const b = (performance.now() - t) * 1000 / N
  t = performance.now()
  for (let i = 0; i < N; i++) gcm(key, iv, aad).encrypt(pt)
  const c = (performance.now() - t) * 1000 / N
  console.log(`subtle encrypt (key reused) ${a.toFixed(2)} µs; importKey+encrypt ${b.toFixed(2)} µs; noble gcm ${c.toFixed(2)} µs`)
}
