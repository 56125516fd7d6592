import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { UnknownRoleError } from '../errors/identity.ts'
import { isRole, maskToRoles, parseRole, roleFromIndex, roleIndex, roles, rolesToMask } from './roles.ts'

test('roles follow the IAlliance.Role enum order exactly', () => {
  const source = readFileSync(new URL('../../contracts/src/interfaces/IAlliance.sol', import.meta.url), 'utf8')
  const body = /enum\s+Role\s*\{([^}]*)\}/u.exec(source)?.[1]
  assert.ok(body, 'enum Role found in IAlliance.sol')
  const enumNames = body.split(',').map((s) => s.replace(/\/\/.*$/gmu, '').trim()).filter(Boolean)
  assert.deepEqual([...roles], enumNames)
})

test('index helpers round-trip and reject out-of-range values', () => {
  roles.forEach((role, i) => {
    assert.equal(roleIndex(role), i)
    assert.equal(roleFromIndex(i), role)
    assert.equal(roleFromIndex(BigInt(i)), role)
  })
  for (const bad of [-1, 8, 1.5, 256n, -1n]) assert.throws(() => roleFromIndex(bad), UnknownRoleError)
  assert.throws(() => roleIndex('Owner' as never), UnknownRoleError)
})

test('isRole is exact, parseRole is forgiving', () => {
  assert.ok(isRole('Buyer'))
  assert.ok(!isRole('buyer'))
  assert.ok(!isRole(1))
  assert.equal(parseRole(' arbitrator '), 'Arbitrator')
  assert.equal(parseRole('7'), 'Validator')
  assert.throws(() => parseRole('owner'), (err: unknown) => err instanceof UnknownRoleError && /"owner"/.test(err.message))
})

test('roles masks: bit i is the role with enum index i', () => {
  assert.equal(rolesToMask([]), 0n)
  assert.equal(rolesToMask(['Seller', 'Storage']), 9n)
  assert.equal(rolesToMask(['Storage', 'Seller', 'Seller']), 9n)
  assert.deepEqual(maskToRoles(9n), ['Seller', 'Storage'])
  assert.deepEqual(maskToRoles(rolesToMask(roles)), [...roles])
  assert.throws(() => maskToRoles(1n << 8n), UnknownRoleError)
  assert.throws(() => maskToRoles(-1n), UnknownRoleError)
})
