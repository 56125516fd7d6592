import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { bytesToHex } from 'viem'
import { EvidenceError } from '../../../errors/tee.ts'
import { parseSnpReport } from './report.ts'
import { DATA_DIR, makeReport } from './testFixtures.ts'
import { checkVcekBinding, readVcekExtensions, VCEK_OIDS } from './vcekExtensions.ts'

const chipId = new Uint8Array(64).fill(0x5c)
const tcb = { bootloader: 9, tee: 0, snp: 23, microcode: 0xd1 }

/** A throwaway P-384 certificate carrying exactly the given extensions. */
async function certWith(values: Partial<Record<keyof typeof VCEK_OIDS, Uint8Array>>): Promise<x509.X509Certificate> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify'])) as CryptoKeyPair
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=SEV-VCEK',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
    extensions: Object.entries(values).map(([name, value]) => new x509.Extension(VCEK_OIDS[name as keyof typeof VCEK_OIDS], false, value.slice())),
  })
}

const good = {
  bootloader: new Uint8Array([0x02, 0x01, 9]),
  tee: new Uint8Array([0x02, 0x01, 0]),
  snp: new Uint8Array([0x02, 0x01, 23]),
  microcode: new Uint8Array([0x02, 0x02, 0x00, 0xd1]),
  hwId: chipId,
}

function refused(fn: () => unknown, failure: string, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof EvidenceError && e.failure === failure && reason.test(e.reason))
}

describe('VCEK extensions', () => {
  it('reads the real VCEK: SPLs 2/0/5/68 and the hwID equal to the report chip id', (t) => {
    if (!existsSync(DATA_DIR)) return t.skip('skipped: /work/shared/data/attestation/sev-snp is absent')
    const vcek = new x509.X509Certificate(readFileSync(new URL('vcek.der', DATA_DIR)))
    const report = parseSnpReport(new Uint8Array(readFileSync(new URL('attestation.bin', DATA_DIR))))
    const ext = readVcekExtensions(vcek)
    assert.deepEqual(ext.tcb, { bootloader: 2, tee: 0, snp: 5, microcode: 68 })
    assert.equal(ext.hwId, report.chipId)
    checkVcekBinding(report, ext)
  })

  it('reads two-byte SPLs and an OCTET STRING-wrapped hwID, and binds them to a matching report', async () => {
    const wrapped = new Uint8Array([0x04, 0x40, ...chipId])
    const ext = readVcekExtensions(await certWith({ ...good, hwId: wrapped }))
    assert.deepEqual(ext, { tcb, hwId: bytesToHex(chipId) })
    checkVcekBinding(parseSnpReport(makeReport({ chipId, tcb })), ext)
  })

  it('refuses a missing extension (binding) and badly encoded ones (malformed)', async () => {
    const { snp: _snp, ...noSnp } = good
    const missing = await certWith(noSnp)
    refused(() => readVcekExtensions(missing), 'binding', /no snp SPL extension \(1\.3\.6\.1\.4\.1\.3704\.1\.3\.3\)/)
    const notInteger = await certWith({ ...good, tee: new Uint8Array([0x04, 0x01, 0x00]) })
    refused(() => readVcekExtensions(notInteger), 'malformed', /tee SPL extension is not a small DER INTEGER/)
    const negative = await certWith({ ...good, microcode: new Uint8Array([0x02, 0x01, 0xd1]) })
    refused(() => readVcekExtensions(negative), 'malformed', /microcode SPL extension is not a minimally encoded SPL/)
    const shortHwId = await certWith({ ...good, hwId: chipId.subarray(0, 32) })
    refused(() => readVcekExtensions(shortHwId), 'malformed', /hwID extension is 32 bytes, not 64/)
  })
})
