import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { RwGate } from './RwGate.ts'

describe('RwGate', () => {
  it('runs reads together, a write alone, and never a read during a write', async () => {
    const gate = new RwGate()
    const log: string[] = []
    let active = { readers: 0, writers: 0 }
    const read = (id: string, ms: number) =>
      gate.read(async () => {
        active.readers++
        assert.equal(active.writers, 0, `${id} ran during a write`)
        log.push(`${id}+`)
        await sleep(ms)
        log.push(`${id}-`)
        active.readers--
      })
    const write = (id: string, ms: number) =>
      gate.write(async () => {
        assert.deepEqual(active, { readers: 0, writers: 0 }, `${id} did not run alone`)
        active.writers++
        log.push(`${id}+`)
        await sleep(ms)
        log.push(`${id}-`)
        active.writers--
      })
    await Promise.all([read('r1', 20), read('r2', 5), write('w1', 10), read('r3', 1), write('w2', 5), read('r4', 1)])
    // r1 and r2 overlap; w1 waits for both; r3 and r4 (arrived while a writer waited) run after w1, before w2.
    assert.deepEqual(log.slice(0, 4), ['r1+', 'r2+', 'r2-', 'r1-'])
    assert.deepEqual(log.slice(4, 6), ['w1+', 'w1-'])
    assert.deepEqual(new Set(log.slice(6, 10)), new Set(['r3+', 'r3-', 'r4+', 'r4-']))
    assert.deepEqual(log.slice(10), ['w2+', 'w2-'])
    active = { readers: 0, writers: 0 }
  })

  it('releases the gate when the function throws', async () => {
    const gate = new RwGate()
    await assert.rejects(gate.write(async () => { throw new Error('boom') }), /boom/)
    await assert.rejects(gate.read(async () => { throw new Error('bang') }), /bang/)
    assert.equal(await gate.write(async () => 1), 1)
    assert.equal(await gate.read(async () => 2), 2)
  })
})
