/**
 * The link schemas (links.ts) compiled to plain JavaScript validators: the write path's fast
 * accept test. zod stays the one definition and the one that explains a failure; from it
 * `z.toJSONSchema` derives a JSON Schema that Ajv compiles into a function (~0.6 µs per record
 * against 2–5 µs for zod's parse). Only the verdict is taken from the compiled function: a draft it
 * rejects is parsed by zod for the rule, field and reason.
 *
 * The two must agree on every value — a property test (compiledSchemas.test.ts) generates
 * valid and broken drafts of every link and compares the verdicts (astral characters
 * included: both count string lengths in code points). Ajv's patterns are compiled without
 * the `u` flag, as zod's RegExps are.
 */
import { createRequire } from 'node:module'
import type { Ajv as AjvClass, ValidateFunction } from 'ajv'
import { z } from 'zod'
import { linkSchemas, type Link } from './links.ts'

export type FieldPart = 'public' | 'private'

let compiled: Record<Link, Record<FieldPart, ValidateFunction>> | undefined

function compileAll(): Record<Link, Record<FieldPart, ValidateFunction>> {
  // Loaded here, not at import: every `bourse` command imports this module, few check records
  // (loading Ajv costs ~60 ms of a command's start).
  const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass }
  const ajv = new Ajv({ unicodeRegExp: false, strict: true, allErrors: false })
  const out = {} as Record<Link, Record<FieldPart, ValidateFunction>>
  for (const link of Object.keys(linkSchemas) as Link[]) {
    const schemas = linkSchemas[link]
    out[link] = {
      public: ajv.compile(z.toJSONSchema(schemas.public, { target: 'draft-7' })),
      private: ajv.compile(z.toJSONSchema(schemas.private, { target: 'draft-7' })),
    }
  }
  return out
}

/** Compiles the validators now (~0.1 s) rather than at the first check. */
export function compileValidators(): void {
  compiled ??= compileAll()
}

/** Whether `fields` is a valid `part` of a `link` record (compiled on first use). */
export function fieldsValid(link: Link, part: FieldPart, fields: unknown): boolean {
  compiled ??= compileAll()
  return compiled[link][part](fields)
}
