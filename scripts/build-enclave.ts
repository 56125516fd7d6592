/**
 * Builds the enclave image (src/tee/image.ts) into artifacts/enclave/ and prints its
 * measurement: the value governance approves for the simulated platform. Part of `npm run build`.
 */
import { buildEnclaveImage } from '../src/tee/image.ts'

const image = await buildEnclaveImage()
if (process.argv.includes('--print')) console.log(`enclave image ${image.path} (${image.bytes} bytes), measurement ${image.measurement}`)
