/**
 * Test-only helpers: a home-made AMD-shaped chain (ARK -> ASK -> VCEK, RSA-PSS/SHA-384/salt 48,
 * VCEK with the AMD SPL and hwID extensions) and reports signed by its VCEK. Real AMD keys
 * cannot sign test cases, so binding and chain failures that need a *valid* signature (a VCEK
 * for another chip, a wrong TCB) are built with these. Not imported by production code.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { SNP_REPORT_SIZE, SNP_SIGNED_LENGTH } from './report.ts'
import { VCEK_OIDS, type SplName } from './vcekExtensions.ts'

export const DATA_DIR = new URL('../../../../../shared/data/attestation/sev-snp/', import.meta.url)

const PSS = { name: 'RSA-PSS', hash: 'SHA-384', saltLength: 48 } as const
const RSA_KEY = { name: 'RSA-PSS', hash: 'SHA-384', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as const
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-384' } as const
const NOT_BEFORE = new Date('2022-01-01T00:00:00Z')
const NOT_AFTER = new Date('2032-01-01T00:00:00Z')
const dn = (cn: string) => `OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Advanced Micro Devices, CN=${cn}`

export interface TestCa {
  cert: x509.X509Certificate
  keys: CryptoKeyPair
  pem: string
}

/** A self-signed RSA-PSS CA; `cn` defaults to AMD's ARK name so only the key differs. */
export async function makeRsaCa(cn = 'ARK-Milan'): Promise<TestCa> {
  const keys = (await crypto.subtle.generateKey(RSA_KEY, true, ['sign', 'verify'])) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: dn(cn),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys,
    signingAlgorithm: PSS,
  })
  return { cert, keys, pem: cert.toString('pem') }
}

/** An intermediate signed by `issuer` (RSA-PSS unless `signingAlgorithm` says otherwise). */
export async function makeRsaIntermediate(issuer: TestCa, cn = 'SEV-Milan'): Promise<TestCa> {
  const keys = (await crypto.subtle.generateKey(RSA_KEY, true, ['sign', 'verify'])) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: dn(cn),
    issuer: issuer.cert.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: PSS,
  })
  return { cert, keys, pem: cert.toString('pem') }
}

const derInteger = (n: number) => (n < 0x80 ? new Uint8Array([0x02, 0x01, n]) : new Uint8Array([0x02, 0x02, 0x00, n]))

export interface TestVcek {
  cert: x509.X509Certificate
  der: Uint8Array
  keys: CryptoKeyPair
}

/** A P-384 VCEK signed by `issuer` with the AMD extensions for `chipId` and `tcb`. */
export async function makeVcek(
  issuer: TestCa,
  { chipId, tcb, signingAlgorithm = PSS }: { chipId: Uint8Array; tcb: Record<SplName, number>; signingAlgorithm?: Algorithm | RsaPssParams },
): Promise<TestVcek> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair
  const extensions = [
    ...(['bootloader', 'tee', 'snp', 'microcode'] as const).map((name) => new x509.Extension(VCEK_OIDS[name], false, derInteger(tcb[name]))),
    new x509.Extension(VCEK_OIDS.hwId, false, chipId.slice()),
  ]
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '03',
    subject: dn('SEV-VCEK'),
    issuer: issuer.cert.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: signingAlgorithm as Algorithm,
    extensions,
  })
  return { cert, keys, der: new Uint8Array(cert.rawData) }
}

/** A self-signed P-384 certificate named like a VCEK, for "VCEK not from AMD" cases. */
export async function makeSelfSignedVcek(): Promise<TestVcek> {
  const keys = (await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '04',
    name: dn('SEV-VCEK'),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
  })
  return { cert, keys, der: new Uint8Array(cert.rawData) }
}

/** A structurally valid version-2 report (policy: reserved bit 17 set, plus `policy` bits). */
export function makeReport({ chipId, tcb, measurementByte = 0xab, policy = 0x30000n, signerInfo = 0 }: {
  chipId: Uint8Array
  tcb: Record<SplName, number>
  measurementByte?: number
  policy?: bigint
  signerInfo?: number
}): Uint8Array {
  const report = new Uint8Array(SNP_REPORT_SIZE)
  const view = new DataView(report.buffer)
  view.setUint32(0x00, 2, true)
  view.setBigUint64(0x08, policy, true)
  view.setUint32(0x34, 1, true)
  view.setUint32(0x48, signerInfo, true)
  for (const offset of [0x38, 0x180, 0x1e0, 0x1f0]) {
    report[offset] = tcb.bootloader
    report[offset + 1] = tcb.tee
    report[offset + 6] = tcb.snp
    report[offset + 7] = tcb.microcode
  }
  report.fill(0x11, 0x50, 0x90) // REPORT_DATA
  report.fill(measurementByte, 0x90, 0xc0)
  report.set(chipId, 0x1a0)
  return report
}

/** Signs bytes 0x000..0x29F with `privateKey` and writes r, s little-endian into the report. */
export async function signReport(report: Uint8Array, privateKey: CryptoKey): Promise<Uint8Array> {
  const signed = report.slice()
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-384' }, privateKey, signed.slice(0, SNP_SIGNED_LENGTH)))
  signed.fill(0, SNP_SIGNED_LENGTH, SNP_REPORT_SIZE)
  signed.set(sig.slice(0, 48).reverse(), SNP_SIGNED_LENGTH)
  signed.set(sig.slice(48, 96).reverse(), SNP_SIGNED_LENGTH + 72)
  return signed
}
