/**
 * The collateral a DCAP quote is judged with (Intel PCS v3/v4 responses as bundled by
 * dcap-qvl's `get_collateral`, e.g. shared/data/attestation/sgx-dcap/sgx_quote_collateral.json):
 * TCB info and QE identity as the exact JSON text Intel signed plus hex r||s signatures,
 * their issuer chain (TCB signing certificate -> root), and the two CRLs (hex DER).
 *
 * Signed JSON is verified over its exact bytes *before* it is parsed, so nothing an attacker
 * edited is ever interpreted.
 */
import { z } from 'zod'
import { commonName, parsePemChain, verifyChainToPinnedRoot } from './certChain.ts'
import { certificateP256Key, verifyP256 } from './ecdsa.ts'
import { fail } from './fail.ts'

const hexString = (bytes?: number) =>
  z.string().regex(bytes ? new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`) : /^([0-9a-fA-F]{2})+$/, bytes ? `${bytes} bytes of hex` : 'hex')

/** The collateral bundle, as in sgx_quote_collateral.json (snake_case keys as dcap-qvl writes them). */
export const sgxCollateralSchema = z.object({
  pck_crl_issuer_chain: z.string(),
  root_ca_crl: hexString(),
  pck_crl: hexString(),
  tcb_info_issuer_chain: z.string(),
  /** The TCB info JSON text exactly as signed. */
  tcb_info: z.string(),
  tcb_info_signature: hexString(64),
  qe_identity_issuer_chain: z.string(),
  /** The QE identity JSON text exactly as signed. */
  qe_identity: z.string(),
  qe_identity_signature: hexString(64),
})
export type SgxCollateral = z.infer<typeof sgxCollateralSchema>

const isoDate = z.iso.datetime()

/** TCB info v3 for SGX (`id: "SGX"`, `version: 3`). */
export const tcbInfoSchema = z.object({
  id: z.literal('SGX'),
  version: z.literal(3),
  issueDate: isoDate,
  nextUpdate: isoDate,
  fmspc: hexString(6),
  pceId: hexString(2),
  tcbType: z.number().int(),
  tcbEvaluationDataNumber: z.number().int(),
  tcbLevels: z.array(
    z.object({
      tcb: z.object({
        sgxtcbcomponents: z.array(z.object({ svn: z.number().int().min(0).max(255) })).length(16),
        pcesvn: z.number().int().min(0).max(65535),
      }),
      tcbDate: isoDate,
      tcbStatus: z.string(),
      advisoryIDs: z.array(z.string()).optional(),
    }),
  ),
})
export type TcbInfo = z.infer<typeof tcbInfoSchema>

/** QE identity v2 (`id: "QE"`). */
export const qeIdentitySchema = z.object({
  id: z.literal('QE'),
  version: z.literal(2),
  issueDate: isoDate,
  nextUpdate: isoDate,
  tcbEvaluationDataNumber: z.number().int(),
  miscselect: hexString(4),
  miscselectMask: hexString(4),
  attributes: hexString(16),
  attributesMask: hexString(16),
  mrsigner: hexString(32),
  isvprodid: z.number().int().min(0).max(65535),
  tcbLevels: z.array(
    z.object({
      tcb: z.object({ isvsvn: z.number().int().min(0).max(65535) }),
      tcbDate: isoDate,
      tcbStatus: z.string(),
      advisoryIDs: z.array(z.string()).optional(),
    }),
  ),
})
export type QeIdentity = z.infer<typeof qeIdentitySchema>

/**
 * Validates a collateral bundle's shape.
 * @throws {EvidenceError} `malformed` naming the first bad field
 * @example
 * const collateral = parseSgxCollateral(JSON.parse(await readFile('sgx_quote_collateral.json', 'utf8')))
 */
export function parseSgxCollateral(value: unknown): SgxCollateral {
  const parsed = sgxCollateralSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return fail('malformed', `the collateral's ${issue?.path.join('.') || 'root'} is invalid: ${issue?.message}`)
  }
  return parsed.data
}

export interface VerifySignedJsonParameters<T> {
  /** "the TCB info" / "the QE identity", for reasons. */
  what: string
  body: string
  signatureHex: string
  issuerChainPem: string
  schema: z.ZodType<T>
  now: Date
}

/**
 * Verifies one signed collateral document: its issuer chain to the pinned root (leaf = Intel
 * SGX TCB Signing), the P-256 signature over the exact JSON bytes, its shape, and that
 * `issueDate <= now <= nextUpdate`.
 * @throws {EvidenceError} `chain`, `signature`, `malformed` or `expired` naming the document
 * @example
 * const tcbInfo = await verifySignedJson({ what: 'the TCB info', body: c.tcb_info, signatureHex: c.tcb_info_signature, issuerChainPem: c.tcb_info_issuer_chain, schema: tcbInfoSchema, now })
 */
export async function verifySignedJson<T extends { issueDate: string; nextUpdate: string }>(p: VerifySignedJsonParameters<T>): Promise<T> {
  const chainName = `${p.what} issuer chain`
  const chain = parsePemChain(p.issuerChainPem, chainName)
  await verifyChainToPinnedRoot({ chain, now: p.now, what: chainName, leafCommonName: /^Intel SGX TCB Signing$/ })
  const key = await certificateP256Key(chain[0]!)
  if (!key) fail('chain', `the ${commonName(chain[0]!.subject)} certificate of ${chainName} has no P-256 key`)
  const signed = await verifyP256(Buffer.from(p.signatureHex, 'hex'), new TextEncoder().encode(p.body), key)
  if (!signed) fail('signature', `the signature of ${p.what} does not verify under the Intel SGX TCB Signing certificate`)
  let json: unknown
  try {
    json = JSON.parse(p.body)
  } catch (e) {
    fail('malformed', `${p.what} is not JSON`, e as Error)
  }
  const parsed = p.schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    fail('malformed', `${p.what}'s ${issue?.path.join('.') || 'root'} is invalid: ${issue?.message}`)
  }
  const doc = parsed.data
  if (p.now < new Date(doc.issueDate)) fail('expired', `${p.what} is not valid before its issueDate ${doc.issueDate}`)
  if (p.now > new Date(doc.nextUpdate)) fail('expired', `${p.what} expired at ${doc.nextUpdate} (nextUpdate)`)
  return doc
}
