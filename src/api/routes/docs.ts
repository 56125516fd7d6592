/**
 * GET /openapi.json (the OpenAPI 3.1 document generated from the route schemas) and
 * GET /docs (Swagger UI served from the installed `swagger-ui-dist` files: nothing is
 * fetched from any other origin, and the Content-Security-Policy forbids it).
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { ApiEnv } from '../deps.ts'
import { API_DOMAIN, authHeaders } from '../auth/apiRequest.ts'

const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>databourse node API</title>
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, tryItOutEnabled: false })\n`

const security = `Writes are signed with the member's key as EIP-712 typed data
\`ApiRequest(string method,string path,bytes32 bodyHash,uint64 timestamp,bytes32 nonce)\` in the domain
\`{ name: '${API_DOMAIN.name}', version: '${API_DOMAIN.version}', chainId }\`, sent in the headers
\`${authHeaders.address}\`, \`${authHeaders.timestamp}\` (unix seconds, ±60 s), \`${authHeaders.nonce}\` (32 random bytes, single use)
and \`${authHeaders.signature}\`. \`path\` is the path with its query string; \`bodyHash\` the SHA-256 of the raw body
(uploads: the declared \`${authHeaders.bodySha256}\`). The node acts only for keys of its local organisations, and only with
the key that signed. TypeScript clients use \`signApiRequest(account, request)\` from src/api/auth/signApiRequest.ts.`

let swaggerDir: string | undefined
const cache = new Map<string, Buffer>()

async function asset(name: string): Promise<Buffer> {
  let hit = cache.get(name)
  if (!hit) {
    swaggerDir ??= dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
    hit = await readFile(join(swaggerDir, name))
    cache.set(name, hit)
  }
  return hit
}

/**
 * Registers /openapi.json and /docs on the app.
 *
 * @example
 * docsRoutes(app, { chainId: 31337 })
 */
export function docsRoutes(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'BourseSignature', {
    type: 'apiKey',
    in: 'header',
    name: authHeaders.signature,
    description: security,
  })
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'databourse node API',
      version: '1',
      description: `REST API of a databourse node: listings, trades, balances, members, uploads and downloads.\n\n${security}`,
    },
    tags: [
      { name: 'listings' },
      { name: 'trades' },
      { name: 'balances' },
      { name: 'members' },
      { name: 'storage' },
      { name: 'operations' },
    ],
  })
  app.get('/docs', (c) => {
    c.header('content-security-policy', csp)
    return c.html(page)
  })
  app.get('/docs/init.js', (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8')
    return c.body(init)
  })
  app.get('/docs/:asset', async (c) => {
    const name = c.req.param('asset')
    const type = assets[name]
    if (!type) return c.json({ error: { code: 'NOT_FOUND', message: `No documentation asset ${name}.` } }, 404)
    c.header('content-type', type)
    c.header('cache-control', 'public, max-age=86400')
    return c.body(new Uint8Array(await asset(name)))
  })
}
