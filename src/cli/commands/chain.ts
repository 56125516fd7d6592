/**
 * `bourse chain …`: the chain under the node — head block, and time travel on a
 * development chain (so time-outs can be tried without waiting days).
 */
import type { Command } from 'commander'
import { CliContext } from '../context.ts'
import { parseDuration } from '../parse.ts'

export function chainCommands(program: Command): void {
  const chain = program.command('chain').description('the chain under the node')
  chain
    .command('head')
    .description('the head block')
    .action(async (_o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const block = await (await ctx.client()).publicClient.getBlock()
      ctx.out.result({ number: block.number, hash: block.hash, timestamp: Number(block.timestamp) }, (v) => `block ${v.number} ${v.hash} at ${new Date(v.timestamp * 1000).toISOString()}`)
    })
  chain
    .command('advance <duration>')
    .description('move chain time forward and mine a block (development chains started with --dev only)')
    .action(async (duration: string, _o, cmd: Command) => {
      const ctx = CliContext.of(cmd)
      const seconds = parseDuration(duration)
      const client = await ctx.client()
      await client.publicClient.request({ method: 'evm_increaseTime' as never, params: [seconds] as never })
      await client.publicClient.request({ method: 'evm_mine' as never, params: [] as never })
      const block = await client.publicClient.getBlock()
      ctx.out.result({ seconds, number: block.number, timestamp: Number(block.timestamp) }, (v) => `chain time is now ${new Date(v.timestamp * 1000).toISOString()} (block ${v.number})`)
    })
}
