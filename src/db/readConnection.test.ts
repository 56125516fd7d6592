import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeAmount } from './codec.ts'
import { createTestDatabase } from './testing/testDatabases.ts'

const account = (address: string) => ({ address, available: encodeAmount(5n), locked: encodeAmount(0n), orders: 0, updated_block: 1 })

test('the read connection sees committed rows only, never a transaction still open on the writer', async () => {
  const d = await createTestDatabase('sqlite')
  try {
    const reader = d.reader!
    assert.ok(reader, 'a SQLite file has a read connection')
    const all = d.db.selectFrom('accounts').select('address').orderBy('address').compile()
    await d.db.insertInto('accounts').values(account('0x01')).execute()
    assert.deepEqual(reader.rows(all), [{ address: '0x01' }])

    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    let inside!: () => void
    const entered = new Promise<void>((r) => (inside = r))
    const tx = d.db.transaction().execute(async (t) => {
      await t.insertInto('accounts').values(account('0x02')).execute()
      inside()
      await held
    })
    await entered
    assert.deepEqual(reader.rows(all), [{ address: '0x01' }], 'the open transaction is invisible')
    release()
    await tx
    assert.deepEqual(reader.rows(all), [{ address: '0x01' }, { address: '0x02' }], 'and visible once committed')
  } finally {
    await d.destroy()
  }
})

test('the read connection cannot write', async () => {
  const d = await createTestDatabase('sqlite')
  try {
    const insert = d.db.insertInto('accounts').values(account('0x03')).returning('address').compile()
    assert.throws(() => d.reader!.rows(insert), /readonly/i)
    assert.equal((await d.db.selectFrom('accounts').selectAll().execute()).length, 0)
  } finally {
    await d.destroy()
  }
})

test('PostgreSQL has no separate read connection', async () => {
  const d = await createTestDatabase('postgres')
  try {
    assert.equal(d.reader, undefined)
  } finally {
    await d.destroy()
  }
})
