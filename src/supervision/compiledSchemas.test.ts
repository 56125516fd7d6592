import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { fieldsValid, type FieldPart } from './compiledSchemas.ts'
import { LINKS, linkSchemas, type Link } from './links.ts'
import { drafts } from './testing/fixtures.ts'

/** Values a field may be replaced by: each kind the schemas distinguish, and their edges. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 220 }), // astral characters: lengths in code units vs code points
  fc.constantFrom('', ' ', 'x'.repeat(200), 'x'.repeat(201), 'x'.repeat(4001), '\u{1F600}'.repeat(101), 'é'.repeat(200)),
  fc.constantFrom('2026-11-21T14:03:07Z', '2026-11-21T14:03:07.5Z', '2026-11-21T14:03:07Z\n', '٢٠٢٦-11-21T14:03:07Z'),
  fc.constantFrom('0', '00', '150', '-3', '1'.repeat(78), '1'.repeat(79), '1e3'),
  fc.constantFrom(`0x${'ab'.repeat(20)}`, `0x${'AB'.repeat(20)}`, `0x${'ab'.repeat(21)}`, `0x${'ab'.repeat(32)}`, `0x${'AB'.repeat(32)}`, '0x5', '0xg'),
  fc.constantFrom('text/csv', 'Text/csv', 'application/vnd.ms-excel', 'none', 'storage-download', 'seller acceptance', 'AllianceCredit escrow'),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, NaN, Infinity, -Infinity),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined, [], {}, [1], { org: `0x${'ab'.repeat(20)}`, name: 'A' }, 1n),
)

type Mutation = { kind: 'replace'; path: string[]; value: unknown } | { kind: 'delete'; path: string[] } | { kind: 'add'; path: string[]; key: string; value: unknown }

/** The paths of every member of a fixture (nested objects included). */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return []
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])])
}

function mutate(fields: unknown, m: Mutation): unknown {
  if (m.kind === 'replace' && m.path.length === 0) return m.value
  if (!fields || typeof fields !== 'object') return fields
  const copy = structuredClone(fields) as Record<string, unknown>
  let parent: Record<string, unknown> = copy
  const path = m.kind === 'add' ? [...m.path, m.key] : m.path
  for (const key of path.slice(0, -1)) {
    const next = parent[key]
    if (!next || typeof next !== 'object') return copy
    parent = next as Record<string, unknown>
  }
  const last = path.at(-1)!
  if (m.kind === 'delete') delete parent[last]
  else parent[last] = m.value
  return copy
}

function mutationOf(fields: unknown): fc.Arbitrary<Mutation> {
  const all = [[], ...paths(fields)]
  const path = fc.constantFrom(...all)
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), path, value: anyValue }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...all.slice(1)) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), path, key: fc.constantFrom('extra', '__proto__', 'constructor', 'name'), value: anyValue }) },
  )
}

for (const link of LINKS) {
  for (const part of ['public', 'private'] as const satisfies FieldPart[]) {
    const valid = part === 'public' ? drafts[link].publicFields : drafts[link].privateFields
    test(`${link}.${part}: the compiled validator and zod agree on every draft (valid and broken)`, () => {
      assert.equal(fieldsValid(link, part, valid), true)
      fc.assert(
        fc.property(fc.array(mutationOf(valid), { minLength: 1, maxLength: 3 }), (mutations) => {
          const fields = mutations.reduce<unknown>((f, m) => mutate(f, m), valid)
          const zod = linkSchemas[link as Link][part].safeParse(fields).success
          assert.equal(fieldsValid(link, part, fields), zod, `zod says ${zod} for ${String(JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)))}`)
        }),
        { numRuns: 400 },
      )
    })
  }
}

test('non-objects are invalid fields', () => {
  for (const value of [undefined, null, 'x', 3, [], [drafts.access.publicFields]]) assert.equal(fieldsValid('access', 'public', value), false)
})
