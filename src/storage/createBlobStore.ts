/**
 * The blob-store factory: one configuration object in, an opened {@link BlobStore} out.
 * Adding a backend = one file in `backends/`, one member of {@link BlobStoreConfig}, one
 * case here.
 */
import { join } from 'node:path'
import type { BlobBackend } from './BlobBackend.ts'
import { BlobStore, type BlobStoreOptions } from './BlobStore.ts'
import { LocalBlobBackend } from './backends/local.ts'

/** Which backend, and where. */
export type BlobBackendConfig = { type: 'local'; dir: string }

export type BlobStoreConfig = BlobStoreOptions & { backend: BlobBackendConfig }

/**
 * The backend for a configuration (not opened: no key check, no cleanup).
 *
 * @example
 * createBlobBackend({ type: 'local', dir: '/srv/bourse/blobs' }).location // '/srv/bourse/blobs'
 */
export function createBlobBackend(config: BlobBackendConfig): BlobBackend {
  switch (config.type) {
    case 'local':
      return new LocalBlobBackend({ dir: config.dir })
  }
}

/**
 * Opens the blob store a configuration describes: checks the master key and removes
 * partial uploads left by a crash.
 *
 * @example
 * const store = await createBlobStore({ backend: { type: 'local', dir: join(dataDir, 'blobs') }, masterKey })
 */
export async function createBlobStore(config: BlobStoreConfig): Promise<BlobStore> {
  return BlobStore.open(createBlobBackend(config.backend), config)
}

/**
 * The default blob directory of a node's data directory.
 *
 * @example
 * blobDirOf('.bourse') // '.bourse/blobs'
 */
export function blobDirOf(dataDir: string): string {
  return join(dataDir, 'blobs')
}
