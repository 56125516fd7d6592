import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cbor-x'
import { EvidenceError } from '../../../errors/tee.ts'
import { parseNitroPayload } from './document.ts'

const b = (n: number, fill = 1) => Buffer.alloc(n, fill)

function payload(overrides: Record<string, unknown> = {}, drop: string[] = []): Uint8Array {
  const map = new Map<unknown, unknown>([
    ['module_id', 'i-0abc-enc01'],
    ['digest', 'SHA384'],
    ['timestamp', 1665651482136],
    ['pcrs', new Map([[0, b(48)], [1, b(48, 0)]])],
    ['certificate', b(500)],
    ['cabundle', [b(500), b(600)]],
    ['public_key', null],
    ['user_data', b(64)],
    ['nonce', b(0)],
  ])
  for (const [k, v] of Object.entries(overrides)) map.set(k, v)
  for (const k of drop) map.delete(k)
  return new Uint8Array(encode(map))
}

function refusedAs(bytes: Uint8Array, reason: RegExp): void {
  assert.throws(
    () => parseNitroPayload(bytes),
    (e: unknown) => e instanceof EvidenceError && e.failure === 'malformed' && reason.test(e.reason),
    `expected malformed matching ${reason}`,
  )
}

describe('parseNitroPayload', () => {
  it('reads every field with its type', () => {
    const doc = parseNitroPayload(payload())
    assert.equal(doc.moduleId, 'i-0abc-enc01')
    assert.equal(doc.timestamp.toISOString(), '2022-10-13T08:58:02.136Z')
    assert.deepEqual([...doc.pcrs.keys()], [0, 1])
    assert.equal(doc.cabundle.length, 2)
    assert.equal(doc.publicKey, null)
    assert.equal(doc.userData?.length, 64)
    assert.equal(doc.nonce?.length, 0, 'an empty nonce is allowed (0..1024) and differs from an absent one')
    // Absent optional keys mean the same as null.
    assert.equal(parseNitroPayload(payload({}, ['public_key', 'user_data', 'nonce'])).userData, null)
  })

  it('refuses each violated field rule, naming the field', () => {
    for (const field of ['module_id', 'digest', 'timestamp', 'pcrs', 'certificate', 'cabundle']) {
      refusedAs(payload({}, [field]), new RegExp(`has no ${field}$`))
      refusedAs(payload({ [field]: null }), new RegExp(`has no ${field}$`))
    }
    refusedAs(payload({ module_id: '' }), /module_id is not a non-empty text string/)
    refusedAs(payload({ digest: 'SHA256' }), /digest is "SHA256", not "SHA384"/)
    refusedAs(payload({ timestamp: 0 }), /timestamp 0 is not a positive millisecond time/)
    refusedAs(payload({ timestamp: '1665651482136' }), /timestamp is not an unsigned integer/)
    refusedAs(payload({ pcrs: new Map() }), /pcrs holds 0 registers, allowed 1\.\.32/)
    refusedAs(payload({ pcrs: new Map([[0, b(48)], [32, b(48)]]) }), /pcrs has key 32, not an integer index 0\.\.31/)
    refusedAs(payload({ pcrs: new Map<unknown, Buffer>([[0, b(48)], ['1', b(48)]]) }), /pcrs has key 1, not an integer index/)
    refusedAs(payload({ pcrs: new Map([[0, b(32)]]) }), /PCR0 is 32 bytes, allowed 48\.\.48/)
    refusedAs(payload({ pcrs: new Map([[1, b(48)]]) }), /pcrs has no PCR0/)
    refusedAs(payload({ pcrs: new Map([[0, 'x'.repeat(48)]]) }), /PCR0 is not a byte string/)
    refusedAs(payload({ certificate: b(1025) }), /certificate is 1025 bytes, allowed 1\.\.1024/)
    refusedAs(payload({ cabundle: [] }), /cabundle is empty/)
    refusedAs(payload({ cabundle: [b(10), 'pem'] }), /cabundle\[1\] is not a byte string/)
    refusedAs(payload({ public_key: b(0) }), /public_key is 0 bytes, allowed 1\.\.1024/)
    refusedAs(payload({ user_data: b(1025) }), /user_data is 1025 bytes, allowed 0\.\.1024/)
    refusedAs(payload({ nonce: 'abc' }), /nonce is not a byte string/)
    refusedAs(payload({ extra: 1 }), /unknown field "extra"/)
    refusedAs(new Uint8Array(encode(['module_id'])), /the COSE payload is not a CBOR map/)
  })
})
