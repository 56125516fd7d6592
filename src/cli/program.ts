/**
 * The `bourse` command line: one commander program whose commands call the same domain
 * modules (node, sdk, identity) that the API will.
 */
import { Command } from 'commander'
import { chainCommands } from './commands/chain.ts'
import { dataCommands } from './commands/data.ts'
import { demoCommand } from './commands/demo.ts'
import { importCommand } from './commands/import.ts'
import { memberCommands } from './commands/members.ts'
import { moneyCommands } from './commands/money.ts'
import { nodeCommands } from './commands/node.ts'
import { pricingCommand } from './commands/pricing.ts'
import { addRoundCommands } from './commands/rounds.ts'
import { teeCommands } from './commands/tee.ts'
import { traceCommands } from './commands/trace.ts'
import { tradeCommands } from './commands/trades.ts'

export function buildProgram(): Command {
  const program = new Command('bourse')
    .description('databourse: a data exchange for an e-commerce alliance, enforced by smart contracts')
    .option('--data-dir <dir>', 'data directory (env BOURSE_DATA_DIR)', undefined)
    .option('--json', 'print one JSON document instead of text')
    .option('--api <url>', "talk to the node's HTTP API at this URL (default: the API of the node running on the data directory, if any)")
    .option('--rpc', 'send transactions and reads straight over JSON-RPC, even when the node serves its HTTP API')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride()
    // The root's --json is recognised anywhere on the line; pass it on to subcommands that
    // declare their own --json (e.g. `pricing simulate`).
    .hook('preAction', (root, action) => {
      if (root.opts().json && action.options.some((o) => o.long === '--json')) action.setOptionValue('json', true)
    })
  nodeCommands(program)
  memberCommands(program)
  moneyCommands(program)
  tradeCommands(program)
  dataCommands(program)
  importCommand(program)
  traceCommands(program)
  teeCommands(program)
  chainCommands(program)
  demoCommand(program)
  const pricing = pricingCommand()
  addRoundCommands(pricing)
  program.addCommand(pricing)
  return program
}
