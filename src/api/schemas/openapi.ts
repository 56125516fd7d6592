/**
 * Small builders for route definitions, so each route file states only what differs: the
 * JSON request body, the success response, the error statuses it can answer, and the
 * security requirement of signed routes.
 */
import type { z } from '@hono/zod-openapi'
import { ErrorSchema } from './common.ts'

const errorDescriptions: Record<number, string> = {
  400: 'Invalid request: names the field and the reason',
  401: 'Missing, malformed, stale, forged or replayed signature',
  403: 'The signer may not do this (not a local key, wrong role, inactive on chain, not a party), or a contract refusal of that kind',
  404: 'No such resource (or a contract refusal of that kind)',
  409: 'A contract refusal: `code` is the custom error name, `args` its arguments',
  410: 'Expired',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Content does not match its declared hash',
  429: 'A bounded cache is full; retry shortly',
  503: 'A component the route needs is not running on this node',
}

/** Error responses with the shared {@link ErrorSchema}. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: errorDescriptions[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]),
  ) as Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>
}

/** The errors every signed route can answer. */
export const signedErrors = [400, 401, 403, 413, 415, 429] as const

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } } as const
}

/** A JSON success response. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const
}

/** The security requirement of signed routes (documented as the `BourseSignature` scheme). */
export const signedSecurity = [{ BourseSignature: [] as string[] }]
