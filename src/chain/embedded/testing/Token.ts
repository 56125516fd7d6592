/**
 * A small ERC-20-like contract for the embedded chain's tests and restart benchmark, compiled
 * at run time with the `solc` npm package (about 0.3 s, once per process).
 */
import { createRequire } from 'node:module'
import type { Abi, Hex } from 'viem'

/** Solidity source: balances mapping, Transfer event, custom-error revert on overdraft. */
export const tokenSource = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

contract Token {
    mapping(address => uint256) private _balances;

    event Transfer(address indexed from, address indexed to, uint256 value);

    error TokenInsufficientBalance(address from, uint256 balance, uint256 needed);

    constructor(uint256 supply) {
        _balances[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function transfer(address to, uint256 value) external returns (bool) {
        uint256 balance = _balances[msg.sender];
        if (balance < value) revert TokenInsufficientBalance(msg.sender, balance, value);
        unchecked {
            _balances[msg.sender] = balance - value;
        }
        _balances[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}
`

/** ABI of Token, typed for viem. */
export const tokenAbi = [
  { type: 'constructor', inputs: [{ name: 'supply', type: 'uint256' }], stateMutability: 'nonpayable' },
  { type: 'function', name: 'balanceOf', inputs: [{ name: 'account', type: 'address' }], outputs: [{ name: '', type: 'uint256' }], stateMutability: 'view' },
  { type: 'function', name: 'transfer', inputs: [{ name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }], outputs: [{ name: '', type: 'bool' }], stateMutability: 'nonpayable' },
  { type: 'event', name: 'Transfer', anonymous: false, inputs: [{ name: 'from', type: 'address', indexed: true }, { name: 'to', type: 'address', indexed: true }, { name: 'value', type: 'uint256', indexed: false }] },
  { type: 'error', name: 'TokenInsufficientBalance', inputs: [{ name: 'from', type: 'address' }, { name: 'balance', type: 'uint256' }, { name: 'needed', type: 'uint256' }] },
] as const satisfies Abi

let cached: Hex | undefined

/**
 * Creation bytecode of Token (compiled once per process; the ABI above is checked against solc's).
 *
 * @example
 * const bytecode = tokenBytecode()
 */
export function tokenBytecode(): Hex {
  if (cached) return cached
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { 'Token.sol': { content: tokenSource } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { Token: ['abi', 'evm.bytecode.object'] } } },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error')
  if (errors.length > 0) throw new Error(`Token.sol: ${errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n')}`)
  const contract = output.contracts['Token.sol'].Token
  const names = (abi: { type: string; name?: string }[]) => abi.map((e) => `${e.type}:${e.name ?? ''}`).sort().join(',')
  if (names(contract.abi) !== names(tokenAbi as never)) throw new Error('tokenAbi is out of date with Token.sol')
  cached = `0x${contract.evm.bytecode.object}`
  return cached
}
