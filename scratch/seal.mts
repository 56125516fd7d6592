import { randomBytes } from 'node:crypto'
import { sealBatch } from '../src/supervision/sealing/sealBatch.ts'
import { tradeDrafts } from '../src/supervision/testing/fixtures.ts'
import { checkRecord } from '../src/supervision/checks.ts'
const jobs = []
for (let c = 0; c < 200; c++) { const { drafts } = tradeDrafts(BigInt(c + 1) << 96n | 7n, 38); drafts.forEach((d, i) => jobs.push({ draft: d, keyIndex: 0, seq: i })) }
const req = { jobs, keys: [randomBytes(32)], createdAt: Date.now(), random: randomBytes(jobs.length * 56) }
for (let r = 0; r < 5; r++) {
  const t = performance.now(); sealBatch(req); const dt = performance.now() - t
  const t2 = performance.now(); const { facts } = tradeDrafts(1n, 0); for (const j of jobs) checkRecord(j.draft, { ...facts, channelId: j.draft.channelId }, new Set(['access', 'match'])); const dt2 = performance.now() - t2
  console.log(`seal ${(dt * 1000 / jobs.length).toFixed(1)} µs/rec, checks ${(dt2 * 1000 / jobs.length).toFixed(1)} µs/rec`)
}
