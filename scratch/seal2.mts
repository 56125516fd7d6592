import { createCipheriv, randomBytes, hash } from 'node:crypto'
import { canonicalJson } from '../src/identity/canonicalJson.ts'
import { seal } from '../src/supervision/envelope.ts'
import { recordIdOf, recordLeafHash, sealRecord } from '../src/supervision/record.ts'
import { tradeDrafts } from '../src/supervision/testing/fixtures.ts'
const { drafts } = tradeDrafts(5n << 96n, 38)
const N = 40000
const d = drafts[5]!
const key = randomBytes(32), iv = randomBytes(12), aad = randomBytes(32)
const pt = Buffer.from(canonicalJson(d.privateFields as any))
const time = (name: string, f: () => unknown) => { for (let r = 0; r < 3; r++) { const t = performance.now(); for (let i = 0; i < N; i++) f(); if (r === 2) console.log(name.padEnd(28), ((performance.now() - t) * 1000 / N).toFixed(2), 'µs') } }
time('recordIdOf', () => recordIdOf(5n, 'abc:service:1'))
time('canonicalJson private', () => canonicalJson(d.privateFields as any))
time('canonicalJson public', () => canonicalJson(d.publicFields as any))
time('JSON.stringify public', () => JSON.stringify(d.publicFields))
time('seal (envelope)', () => seal(key, pt, aad, iv))
time('createCipheriv only', () => createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 }))
time('sealRecord', () => sealRecord(d, key, 3, 1700000000000, randomBytes(56)))
const r = sealRecord(d, key, 3, 1700000000000)
time('recordLeafHash', () => recordLeafHash(r))
time('randomBytes(56)', () => randomBytes(56))
