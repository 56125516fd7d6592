import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encode } from 'cbor-x'
import fc from 'fast-check'
import { EvidenceError } from '../../../errors/tee.ts'
import { cborDecoder, decodeCoseSign1, sigStructure } from './cose.ts'

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

function refusedAs(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof EvidenceError && e.failure === 'malformed' && reason.test(e.reason))
}

const PROTECTED = Uint8Array.of(0xa1, 0x01, 0x38, 0x22)
const cose = (parts: unknown[]) => new Uint8Array(encode(parts))

describe('sigStructure', () => {
  it('is byte-identical to cbor-x encoding ["Signature1", protected, h"", payload] with plain bstrs, for any sizes', () => {
    // Sizes straddle the CBOR head boundaries (23/24, 255/256, 65535/65536).
    const sized = fc.oneof(fc.constantFrom(0, 1, 23, 24, 255, 256, 4546, 65535, 65536), fc.nat(300)).map((n) => new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff))
    fc.assert(
      fc.property(sized, sized, (protectedBytes, payload) => {
        const independent = new Uint8Array(encode(['Signature1', buf(protectedBytes), Buffer.alloc(0), buf(payload)]))
        assert.deepEqual(sigStructure(protectedBytes, payload), independent)
      }),
      { numRuns: 60 },
    )
  })

  it('decodes back to its four parts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 600 }), (p, payload) => {
        const [ctx, prot, aad, body] = cborDecoder.decode(sigStructure(p, payload)) as [string, Uint8Array, Uint8Array, Uint8Array]
        assert.equal(ctx, 'Signature1')
        assert.deepEqual(new Uint8Array(prot), p)
        assert.equal(aad.length, 0)
        assert.deepEqual(new Uint8Array(body), payload)
      }),
      { numRuns: 50 },
    )
  })
})

describe('decodeCoseSign1', () => {
  const payload = buf(Uint8Array.of(0xa0))
  const sig = buf(new Uint8Array(96))

  it('accepts the Nitro shape and keeps the exact protected and payload bytes', () => {
    const decoded = decodeCoseSign1(cose([buf(PROTECTED), new Map(), payload, sig]))
    assert.equal(decoded.alg, -35)
    assert.deepEqual(new Uint8Array(decoded.protectedBytes), PROTECTED)
    assert.deepEqual(new Uint8Array(decoded.payload), Uint8Array.of(0xa0))
  })

  it('refuses each shape error with a reason naming it', () => {
    refusedAs(() => decodeCoseSign1(cose([buf(PROTECTED), new Map(), payload])), /not a COSE_Sign1 array of 4 elements \(array of 3\)/)
    refusedAs(() => decodeCoseSign1(new Uint8Array(encode(new Map([[1, 2]])))), /not a COSE_Sign1 array of 4 elements \(object\)/)
    refusedAs(() => decodeCoseSign1(cose(['x', new Map(), payload, sig])), /protected header is not a byte string/)
    refusedAs(() => decodeCoseSign1(cose([buf(PROTECTED), [], payload, sig])), /unprotected header is not a map/)
    refusedAs(() => decodeCoseSign1(cose([buf(PROTECTED), new Map(), null, sig])), /payload is not a byte string/)
    refusedAs(() => decodeCoseSign1(cose([buf(PROTECTED), new Map(), payload, 5])), /signature is not a byte string/)
    refusedAs(() => decodeCoseSign1(cose([buf(Uint8Array.of(0xa0)), new Map(), payload, sig])), /has no alg \(label 1\)/)
    refusedAs(() => decodeCoseSign1(cose([Buffer.alloc(0), new Map(), payload, sig])), /has no alg \(label 1\)/)
    refusedAs(() => decodeCoseSign1(cose([buf(Uint8Array.of(0xa1, 0x01, 0x26)), new Map(), payload, sig])), /alg is -7, not ES384 \(-35\)/)
    refusedAs(() => decodeCoseSign1(cose([buf(Uint8Array.of(0xa2, 0x01, 0x38, 0x22, 0x02, 0x81, 0x01)), new Map(), payload, sig])), /critical parameters \(crit\)/)
    refusedAs(() => decodeCoseSign1(cose([buf(PROTECTED), new Map(), payload, buf(new Uint8Array(95))])), /signature is 95 bytes, ES384 needs 96/)
    refusedAs(() => decodeCoseSign1(cose([buf(Uint8Array.of(0x82)), new Map(), payload, sig])), /protected header is not valid CBOR/)
  })
})
