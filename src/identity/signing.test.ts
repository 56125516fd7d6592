import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  concat,
  encodeAbiParameters,
  getAddress,
  keccak256,
  numberToHex,
  stringToBytes,
  type Address,
  type Hex,
  type LocalAccount,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { InvalidOwnershipProofError } from '../errors/identity.ts'
import { MarketplaceAbi } from '../contracts/generated.ts'
import { createWorld } from '../testing/world.ts'
import { deriveFunctionKey } from './hdTree.ts'
import {
  createOwnershipChallenge,
  OWNERSHIP_PROOF_TYPEHASH,
  ownershipProofDigest,
  recoverOwnershipProofSigner,
  signOwnershipProof,
  verifyOwnershipProof,
} from './signing.ts'

const MNEMONIC = 'test test test test test test test test test test test junk'
const seller = privateKeyToAccount(deriveFunctionKey(MNEMONIC, 'Seller', 0).privateKey)
const other = privateKeyToAccount(deriveFunctionKey(MNEMONIC, 'Seller', 1).privateKey)
const marketplace: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Turns a valid signature into its high-s twin (same signer for plain ecrecover). */
function malleate(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  return concat([signature.slice(0, 66) as Hex, numberToHex(N - s, { size: 32 }), numberToHex(v === 27 ? 28 : 27, { size: 1 })])
}

describe('ownership proof encoding', () => {
  test('the type hash is keccak256 of the exact type string the contract uses', () => {
    assert.equal(OWNERSHIP_PROOF_TYPEHASH, keccak256(stringToBytes('OwnershipProof(uint256 listingId,bytes32 challenge)')))
  })

  test('the digest equals a by-hand EIP-712 computation (OpenZeppelin _hashTypedDataV4)', () => {
    const challenge = createOwnershipChallenge()
    const listingId = 2n ** 200n + 7n
    const domainTypeHash = keccak256(stringToBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'))
    const domainSeparator = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
        [domainTypeHash, keccak256(stringToBytes('databourse')), keccak256(stringToBytes('1')), 31337n, marketplace],
      ),
    )
    const structHash = keccak256(
      encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }], [OWNERSHIP_PROOF_TYPEHASH, listingId, challenge]),
    )
    const expected = keccak256(concat(['0x1901', domainSeparator, structHash]))
    assert.equal(ownershipProofDigest({ chainId: 31337, marketplace, listingId, challenge }), expected)
    assert.equal(ownershipProofDigest({ chainId: 31337n, marketplace, listingId, challenge }), expected)
  })

  test('challenges are fresh 32-byte values', () => {
    const a = createOwnershipChallenge()
    assert.match(a, /^0x[0-9a-f]{64}$/u)
    assert.notEqual(a, createOwnershipChallenge())
  })
})

describe('sign and verify', () => {
  const base = { chainId: 31337, marketplace, listingId: 42n, challenge: createOwnershipChallenge() }

  test('the seller proves ownership; any other key, listing, challenge, chain or contract does not', async () => {
    const signature = await signOwnershipProof({ account: seller, ...base })
    assert.equal(await recoverOwnershipProofSigner({ ...base, signature }), seller.address)
    assert.ok(await verifyOwnershipProof({ ...base, signature, owner: seller.address }))
    assert.ok(await verifyOwnershipProof({ ...base, signature, owner: seller.address.toLowerCase() as Address }))
    assert.ok(!(await verifyOwnershipProof({ ...base, signature, owner: other.address })))

    const variants = [
      { listingId: 43n },
      { challenge: createOwnershipChallenge() },
      { chainId: 1 },
      { marketplace: '0x0000000000000000000000000000000000000001' as Address },
    ]
    for (const variant of variants) {
      assert.ok(!(await verifyOwnershipProof({ ...base, ...variant, signature, owner: seller.address })), JSON.stringify(variant, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
    }
    const forged = await signOwnershipProof({ account: other, ...base })
    assert.ok(!(await verifyOwnershipProof({ ...base, signature: forged, owner: seller.address })))
  })

  test('signatures the contract would reject are rejected here too', async () => {
    const signature = await signOwnershipProof({ account: seller, ...base })
    const highS = malleate(signature)
    await assert.rejects(recoverOwnershipProofSigner({ ...base, signature: highS }), /upper half/)
    assert.ok(!(await verifyOwnershipProof({ ...base, signature: highS, owner: seller.address })))

    const vZero = concat([signature.slice(0, 130) as Hex, signature.endsWith('1b') ? '0x00' : '0x01'])
    await assert.rejects(recoverOwnershipProofSigner({ ...base, signature: vZero }), /v must be 27 or 28/)
    await assert.rejects(recoverOwnershipProofSigner({ ...base, signature: signature.slice(0, 130) as Hex }), /65 bytes/)
    assert.ok(!(await verifyOwnershipProof({ ...base, signature: '0x1234', owner: seller.address })))

    const zeroR = concat([numberToHex(0, { size: 32 }), signature.slice(66) as Hex])
    await assert.rejects(recoverOwnershipProofSigner({ ...base, signature: zeroR }), /does not recover/)
    assert.ok(!(await verifyOwnershipProof({ ...base, signature: zeroR, owner: seller.address })))
  })

  test('malformed parameters throw typed errors', async () => {
    const signature = await signOwnershipProof({ account: seller, ...base })
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ challenge: '0x1234' }, /challenge/],
      [{ listingId: -1n }, /listingId/],
      [{ listingId: 2n ** 256n }, /listingId/],
      [{ marketplace: '0x5fbDB2315678afecb367f032d93F642f64180aa3' }, /verifyingContract/],
      [{ chainId: 0 }, /chainId/],
      [{ chainId: 1.5 }, /chainId/],
      [{ owner: 'seller' }, /owner/],
    ]
    for (const [override, message] of bad) {
      await assert.rejects(
        verifyOwnershipProof({ ...base, signature, owner: seller.address, ...override } as never),
        (err: unknown) => err instanceof InvalidOwnershipProofError && message.test(err.message),
      )
    }
  })
})

describe('on chain', () => {
  test('the Marketplace contract accepts exactly the proofs accepted here', async () => {
    const world = await createWorld()
    const listingId = await world.list()
    const { marketplace: address } = world.deployment
    const chainId = await world.net.publicClient.getChainId()
    const account = world.seller.account
    assert.equal(account.type, 'local')
    const proof = { chainId, marketplace: address, listingId, challenge: createOwnershipChallenge() }
    const signature = await signOwnershipProof({ account: account as LocalAccount, ...proof })
    const onChain = (p: { listingId: bigint; challenge: Hex }, sig: Hex) =>
      world.net.publicClient.readContract({ address, abi: MarketplaceAbi, functionName: 'verifyOwnership', args: [p.listingId, p.challenge, sig] })

    const [, name, version, domainChainId, verifyingContract] = await world.net.publicClient.readContract({
      address, abi: MarketplaceAbi, functionName: 'eip712Domain',
    })
    assert.deepEqual([name, version, domainChainId, getAddress(verifyingContract)], ['databourse', '1', BigInt(chainId), getAddress(address)])

    assert.equal(await onChain(proof, signature), true)
    assert.ok(await verifyOwnershipProof({ ...proof, signature, owner: account.address }))

    const foreign = await signOwnershipProof({ account: other, ...proof })
    const highS = malleate(signature)
    const otherChallenge = { ...proof, challenge: createOwnershipChallenge() }
    const zeroR = concat([numberToHex(0, { size: 32 }), signature.slice(66) as Hex])
    for (const [p, sig] of [[proof, foreign], [proof, highS], [proof, zeroR], [otherChallenge, signature]] as const) {
      assert.equal(await onChain(p, sig), false)
      assert.equal(await verifyOwnershipProof({ ...p, signature: sig, owner: account.address }), false)
    }
  })
})
