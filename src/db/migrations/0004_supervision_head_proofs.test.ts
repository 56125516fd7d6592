import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Migrator, type Kysely } from 'kysely'
import pg from 'pg'
import { bytesToHex } from 'viem'
import { leafHash, MerkleTree } from '../../supervision/merkle/index.ts'
import { SupervisionStore } from '../../supervision/SupervisionStore.ts'
import { openDatabase, type BourseDatabase } from '../openDatabase.ts'
import { testDialects, testPostgresUrl } from '../testing/testDatabases.ts'
import { migrations } from './index.ts'

/** A database migrated up to `target` only, removed by the returned function. */
async function databaseAt(dialect: 'sqlite' | 'postgres', target: string): Promise<{ opened: BourseDatabase; migrator: Migrator; remove: () => Promise<void> }> {
  let opened: BourseDatabase
  let remove: () => Promise<void>
  let schema: string | undefined
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bourse-migration-'))
    opened = await openDatabase(dir, { migrate: false })
    remove = async () => rmSync(dir, { recursive: true, force: true })
  } else {
    schema = `bourse_migration_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    opened = await openDatabase(testPostgresUrl, { schema, migrate: false, poolSize: 2 })
    remove = async () => {
      const client = new pg.Client({ connectionString: testPostgresUrl })
      await client.connect()
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end())
    }
  }
  const migrator = new Migrator({ db: opened.db, provider: { getMigrations: async () => migrations }, migrationTableSchema: schema })
  const { error } = await migrator.migrateTo(target)
  if (error) throw error
  return { opened, migrator, remove }
}

const hex = (path: Uint8Array[]) => path.map((h) => bytesToHex(h))

for (const dialect of testDialects()) {
  test(`0004 [${dialect}]: proofs stored per record move into their heads; an incomplete head keeps none; down restores the table`, async () => {
    const { opened, migrator, remove } = await databaseAt(dialect, '0003_supervision_proofs')
    try {
      const db = opened.db as Kysely<any>
      const tree = new MerkleTree(Array.from({ length: 7 }, (_, i) => leafHash(Uint8Array.of(i))))
      const channel = '0xa'
      const other = '0xb'
      // Channel a: anchored at size 3, then at size 7 (positions 3..6), each head with its records' proofs,
      // some in 0003's first format (a JSON array), some in its later one (the hashes one after the other).
      const heads = [
        { channel_id: channel, tree_size: 3, root: bytesToHex(tree.rootAt(3)), batch: 0, batch_index: 0, batch_path: '[]' },
        { channel_id: channel, tree_size: 7, root: bytesToHex(tree.root), batch: 1, batch_index: 0, batch_path: '[]' },
        { channel_id: other, tree_size: 2, root: `0x${'00'.repeat(32)}`, batch: 1, batch_index: 1, batch_path: '[]' },
      ]
      await db.insertInto('supervision_heads').values(heads).execute()
      const small = new MerkleTree(Array.from({ length: 3 }, (_, i) => leafHash(Uint8Array.of(i))))
      const rows = [
        ...[0, 1, 2].map((i) => ({ channel_id: channel, leaf_index: i, tree_size: 3, batch: 0, proof: JSON.stringify(hex(small.path(i))) })),
        ...[3, 4, 5, 6].map((i) => ({ channel_id: channel, leaf_index: i, tree_size: 7, batch: 1, proof: `0x${tree.path(i).map((h) => Buffer.from(h).toString('hex')).join('')}` })),
        // Channel b: position 1's proof is missing (its head keeps no proofs).
        { channel_id: other, leaf_index: 0, tree_size: 2, batch: 1, proof: `0x${'11'.repeat(32)}` },
      ]
      await db.insertInto('supervision_proofs').values(rows).execute()

      const { error } = await migrator.migrateToLatest()
      assert.equal(error, undefined)
      const store = new SupervisionStore(opened.db)
      for (const i of [0, 1, 2]) assert.deepEqual(await store.storedProof(0xan, i), { treeSize: 3, batch: 0, proof: hex(small.path(i)) })
      for (const i of [3, 4, 5, 6]) assert.deepEqual(await store.storedProof(0xan, i), { treeSize: 7, batch: 1, proof: hex(tree.path(i)) })
      const b = await db.selectFrom('supervision_heads').select(['first_leaf', 'proof_depth', 'leaf_proofs']).where('channel_id', '=', other).executeTakeFirstOrThrow()
      assert.deepEqual(b, { first_leaf: null, proof_depth: null, leaf_proofs: null })
      assert.equal(await store.storedProof(0xbn, 0), undefined)
      await assert.rejects(db.selectFrom('supervision_proofs').selectAll().execute(), 'the per-record table is gone')

      const down = await migrator.migrateDown()
      assert.equal(down.error, undefined)
      assert.deepEqual(await db.selectFrom('supervision_proofs').selectAll().execute(), [], 'back, empty')
      await assert.rejects(db.selectFrom('supervision_heads').select('leaf_proofs').execute())
    } finally {
      await opened.close()
      await remove()
    }
  })
}
