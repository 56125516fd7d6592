import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BaseError } from './base.ts'

class InnerError extends BaseError {
  constructor() {
    super('Inner failed.', { details: 'disk full', docsPath: 'src/inner/README.md', name: 'InnerError' })
  }
}

test('message layout: short message, meta lines, docs, details', () => {
  const err = new BaseError('Something failed.', { metaMessages: ['- first hint', '- second hint'], docsPath: 'src/x/README.md', details: 'why' })
  assert.equal(err.message, 'Something failed.\n\n- first hint\n- second hint\n\nDocs: src/x/README.md\nDetails: why')
  assert.equal(err.shortMessage, 'Something failed.')
  assert.equal(err.name, 'BaseError')
  assert.equal(new BaseError('Plain.').message, 'Plain.')
})

test('a cause supplies details and docs, and walk() follows the chain', () => {
  const inner = new InnerError()
  const outer = new BaseError('Outer failed.', { cause: inner, name: 'OuterError' })
  assert.equal(outer.name, 'OuterError')
  assert.equal(outer.details, 'disk full')
  assert.equal(outer.docsPath, 'src/inner/README.md')
  assert.equal(outer.cause, inner)
  assert.equal(outer.walk(), inner)
  assert.equal(outer.walk((e) => e instanceof InnerError), inner)
  assert.equal(outer.walk(() => false), null)

  const plain = new Error('ECONNREFUSED')
  const wrapped = new BaseError('Request failed.', { cause: plain })
  assert.equal(wrapped.details, 'ECONNREFUSED')
  assert.equal(wrapped.walk(), plain)
})
