/**
 * Hono glue of the error mapping: the app's `onError` (every thrown error, through
 * {@link toHttpError}) and the zod validation hook (the first issue becomes an
 * {@link ApiValidationError} naming the field).
 */
import type { Context } from 'hono'
import type { ZodError } from 'zod'
import { ApiValidationError } from '../../errors/api.ts'
import type { ApiEnv } from '../deps.ts'
import { toHttpError } from './httpError.ts'

const targetNames: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header', form: 'body', cookie: 'cookie' }

/**
 * The `defaultHook` of the OpenAPIHono app: throws on the first validation issue.
 *
 * @throws {ApiValidationError}
 */
export function validationHook(result: { success: boolean; error?: ZodError; target: string }): void {
  if (result.success || !result.error) return
  const issue = result.error.issues[0]
  const target = targetNames[result.target] ?? result.target
  if (!issue) throw new ApiValidationError({ field: target, reason: 'is invalid' })
  if (issue.code === 'unrecognized_keys') {
    throw new ApiValidationError({ field: [target, ...issue.path.map(String), issue.keys[0]].join('.'), reason: 'is not a known field' })
  }
  const field = [target, ...issue.path.map(String)].join('.')
  const reason = issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'is required' : issue.message
  throw new ApiValidationError({ field, reason })
}

/** The app's `onError`: maps, logs unexpected errors with their cause, answers JSON. */
export function errorHandler(err: Error, c: Context<ApiEnv>): Response {
  const { status, body, unexpected } = toHttpError(err)
  const log = c.get('log')
  if (unexpected) log?.error({ err }, 'unexpected error')
  else log?.debug({ code: body.error.code, status }, body.error.message)
  return c.json(body, status)
}
