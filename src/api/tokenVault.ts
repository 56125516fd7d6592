/**
 * Where the node keeps the buyers' secret download tokens it generates for orders placed
 * through the API: `<dataDir>/tokens/<tradeId>.json`, mode 0600, the same file the CLI's
 * `bourse order` writes, so `bourse download` finds it either way.
 */
import { join } from 'node:path'
import type { Hex } from 'viem'
import { writeFileAtomic } from '../identity/atomicFile.ts'

export interface TokenVault {
  /** Keeps the token of a trade (crash-safe, private to the node's user). */
  save(tradeId: bigint, token: Hex): Promise<void>
}

/**
 * A vault in a directory (the data directory's `tokens/`).
 *
 * @example
 * const tokens = directoryTokenVault(dataDir.tokens)
 * await tokens.save(trade.id, token)
 */
export function directoryTokenVault(dir: string): TokenVault {
  return {
    async save(tradeId, token) {
      const id = `0x${tradeId.toString(16)}`
      await writeFileAtomic(join(dir, `${id}.json`), `${JSON.stringify({ tradeId: id, token })}\n`)
    },
  }
}
