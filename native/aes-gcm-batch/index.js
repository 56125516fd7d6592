'use strict'
// The addon that `node-gyp rebuild` built at install. If it could not be built or loaded here,
// the package exports `loadError` instead of `sealMany`: callers then use Node's own crypto
// (the same bytes, slower), and can say why.
try {
  module.exports = require('./build/Release/aes_gcm_batch.node')
} catch (error) {
  module.exports = { loadError: error }
}
