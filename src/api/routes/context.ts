/** What every route module receives from {@link createApi}. */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { ApiAuth } from '../auth/ApiAuth.ts'
import type { ChallengeStore } from '../ChallengeStore.ts'
import type { ApiDeps, ApiEnv } from '../deps.ts'
import type { RequestTracker } from '../RequestTracker.ts'

/** Resolved options (defaults applied). */
export interface ResolvedApiOptions {
  authWindowSeconds: number
  jsonBodyLimit: number
  roleCacheMs: number
  challengeTtlSeconds: number
  readyMaxLagBlocks: number
  now: () => number
}

export interface RouteContext {
  deps: ApiDeps
  auth: ApiAuth
  challenges: ChallengeStore
  tracker: RequestTracker
  options: ResolvedApiOptions
}

/** The signature of a route module: registers its routes on the app. */
export type RegisterRoutes = (app: OpenAPIHono<ApiEnv>, ctx: RouteContext) => void
