/**
 * The HTTP API of a databourse node as a Hono app (no port: `app.request()` serves it in
 * process, ./server.ts puts it on a socket). REST under `/v1`, the OpenAPI 3.1 document at
 * `/openapi.json`, Swagger UI at `/docs`, `/health` and `/ready`.
 *
 * Every dependency is injected ({@link ApiDeps}); every error becomes a JSON response in
 * one handler (./errors/httpError.ts).
 *
 * @example
 * const app = createApi({ client, keyring, tokens, logger, database, storage })
 * const res = await app.request('/v1/listings?category=1')
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { ApiAuth } from './auth/ApiAuth.ts'
import { ChallengeStore } from './ChallengeStore.ts'
import type { ApiDeps, ApiEnv } from './deps.ts'
import { errorHandler, validationHook } from './errors/errorHandler.ts'
import { requestContext } from './middleware/requestContext.ts'
import { RequestTracker } from './RequestTracker.ts'
import { balanceRoutes } from './routes/balances.ts'
import { challengeRoutes } from './routes/challenges.ts'
import { creditRoutes } from './routes/credits.ts'
import type { ResolvedApiOptions, RouteContext } from './routes/context.ts'
import { docsRoutes } from './routes/docs.ts'
import { healthRoutes } from './routes/health.ts'
import { listingRoutes } from './routes/listings.ts'
import { memberRoutes } from './routes/members.ts'
import { orderRoutes } from './routes/orders.ts'
import { storageRoutes } from './routes/storage.ts'
import { supervisionRoutes } from './routes/supervision.ts'
import { teeRoutes } from './routes/tee.ts'
import { tradeRoutes } from './routes/trades.ts'

export type { ApiDeps, ApiEnv, ApiOptions } from './deps.ts'

/** The route modules, in registration order. */
const modules = [healthRoutes, listingRoutes, challengeRoutes, orderRoutes, tradeRoutes, balanceRoutes, memberRoutes, storageRoutes, supervisionRoutes, teeRoutes]

/** Routes that complete what the `bourse` commands do over the API (issue 4): minting credits. */
const cliModules = [creditRoutes]

function resolveOptions(deps: ApiDeps): ResolvedApiOptions {
  const o = deps.options ?? {}
  return {
    authWindowSeconds: o.authWindowSeconds ?? 60,
    jsonBodyLimit: o.jsonBodyLimit ?? 64 * 1024,
    roleCacheMs: o.roleCacheMs ?? 5000,
    challengeTtlSeconds: o.challengeTtlSeconds ?? 600,
    readyMaxLagBlocks: o.readyMaxLagBlocks ?? 10,
    now: o.now ?? Date.now,
  }
}

/** Builds the API app on `deps`. */
export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const options = resolveOptions(deps)
  const tracker = deps.tracker ?? new RequestTracker()
  const ctx: RouteContext = {
    deps,
    options,
    tracker,
    auth: new ApiAuth({
      client: deps.client,
      keyring: deps.keyring,
      windowSeconds: options.authWindowSeconds,
      jsonBodyLimit: options.jsonBodyLimit,
      roleCacheMs: options.roleCacheMs,
      now: options.now,
    }),
    challenges: new ChallengeStore({ ttlSeconds: options.challengeTtlSeconds, now: options.now }),
  }
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook, strict: true })
  app.use('*', requestContext(deps.logger, tracker))
  app.onError(errorHandler)
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}.` } }, 404))
  for (const register of modules) register(app, ctx)
  for (const register of cliModules) register(app, ctx)
  docsRoutes(app)
  return app
}
