/** Test and benchmark support: the supervision service of a {@link World}, as the operator node runs it. */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { sdkSupervisionChain } from '../supervision/sdkChain.ts'
import { SupervisionService, type SupervisionServiceParameters } from '../supervision/SupervisionService.ts'
import type { World } from './world.ts'

/**
 * The platform organisation's supervision service on `db` (the world's platform key produces
 * and anchors; its encryption key wraps the channel keys).
 *
 * @example
 * const service = worldSupervision(w, database.db, { maxDelayMs: 20 })
 */
export function worldSupervision(w: World, db: Kysely<Database>, overrides: Partial<SupervisionServiceParameters> = {}): SupervisionService {
  return new SupervisionService({
    db,
    chain: sdkSupervisionChain(w.client, w.platform.account),
    chainId: w.deployment.chainId,
    contract: w.deployment.supervision,
    platformKey: w.platform.address,
    feeBps: w.deployment.feeBps,
    windows: w.deployment.windows,
    producer: { org: w.orgs.platform.address, encryptionKey: w.encryptionKeys.platform.privateKey },
    ...overrides,
  })
}
