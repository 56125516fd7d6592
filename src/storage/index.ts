/**
 * The storage provider (SPEC.md section 2, step 4): encrypted content-addressed blob store,
 * signed single-use download requests, on-chain download confirmation, and the buyer's
 * verifying download client. See README.md in this folder.
 *
 * @example
 * import { StorageProvider, downloadAsset, parseDownloadRequest } from '../storage/index.ts'
 */
export type { BlobBackend, BlobBackendKind, BlobId, BlobObjectReader, BlobUpload } from './BlobBackend.ts'
export { LocalBlobBackend, type LocalBlobBackendParameters } from './backends/local.ts'
export { BlobStore, toBlobId, type BlobDelivery, type BlobInfo, type BlobStoreOptions, type PutBlobErrorType, type PutBlobOptions, type PutBlobResult } from './BlobStore.ts'
export { blobDirOf, createBlobBackend, createBlobStore, type BlobBackendConfig, type BlobStoreConfig } from './createBlobStore.ts'
export {
  blobLength,
  chunkCount,
  DEFAULT_CHUNK_SIZE,
  decodeHeader,
  encodeHeader,
  FIXED_HEADER_LENGTH,
  headerLength,
  KeyWrapKind,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  TAG_LENGTH,
  type BlobHeader,
} from './blobFormat.ts'
export { deriveMasterKey, loadOrCreateMasterKey, masterKeyCheck, MASTER_KEY_LENGTH } from './keyWrap.ts'
export {
  DOWNLOAD_REQUEST_DOMAIN,
  DOWNLOAD_REQUEST_TYPE,
  downloadRequestTypedData,
  downloadRequestTypes,
  parseDownloadRequest,
  recoverDownloadRequestSigner,
  serializeDownloadRequest,
  signDownloadRequest,
  type DownloadRequest,
  type DownloadRequestDomain,
  type DownloadRequestJson,
  type SignDownloadRequestParameters,
  type SignedDownloadRequest,
} from './downloadRequest.ts'
export { RedemptionLog, type Redemption, type RedemptionLogOptions, type RedemptionStatus } from './RedemptionLog.ts'
export { DownloadConfirmer, type DownloadConfirmation, type DownloadConfirmerOptions } from './DownloadConfirmer.ts'
export {
  StorageProvider,
  type AuthorizeDownloadErrorType,
  type AuthorizedDownload,
  type DownloadErrorType,
  type DownloadSession,
  type OpenStorageProviderParameters,
  type StorageLogger,
  type StorageProviderOptions,
  type StorageProviderParameters,
} from './StorageProvider.ts'
export { downloadAsset, receiveAsset, type DownloadAssetParameters, type ReceiveAssetErrorType, type ReceiveAssetParameters, type ReceiveAssetResult } from './downloadAsset.ts'
