/**
 * The one list of schema migrations, for both dialects. Append new migrations here with the
 * next number; never edit or reorder one that has shipped.
 */
import type { Migration } from 'kysely'
import * as initial from './0001_initial.ts'
import * as supervision from './0002_supervision.ts'
import * as supervisionProofs from './0003_supervision_proofs.ts'
import * as supervisionHeadProofs from './0004_supervision_head_proofs.ts'

/** Every migration by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_supervision': supervision,
  '0003_supervision_proofs': supervisionProofs,
  '0004_supervision_head_proofs': supervisionHeadProofs,
}
