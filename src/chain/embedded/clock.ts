/**
 * The engine's chain clock: block time = wall time + an offset the engine keeps.
 *
 * The offset is not part of any block, so after a restart the engine's clock would continue
 * from the last replayed block's timestamp as if no time had passed. {@link alignChainClock}
 * moves it forward so chain time is wall time again (plus any development offset that was
 * journaled), which keeps deadlines measured in seconds real across downtime. Chain time never
 * moves backwards: the engine never mines a block older than its parent.
 */
import type { RequestFn } from './request.ts'

/**
 * The engine clock's offset to wall time, in seconds (`evm_increaseTime(0)` reports it).
 *
 * @example
 * const offset = await readClockOffset(request) // e.g. -3n right after start
 */
export async function readClockOffset(request: RequestFn): Promise<bigint> {
  return BigInt(Math.trunc(Number(await request({ method: 'evm_increaseTime', params: [0] }))))
}

/**
 * Moves the engine clock forward until its offset to wall time is at least `targetOffset`
 * seconds; returns the offset now in force.
 *
 * @example
 * await alignChainClock(request, 0n) // chain time = wall time (or the last block's, if later)
 */
export async function alignChainClock(request: RequestFn, targetOffset: bigint): Promise<bigint> {
  const current = await readClockOffset(request)
  if (current >= targetOffset) return current
  await request({ method: 'evm_increaseTime', params: [Number(targetOffset - current)] })
  return targetOffset
}
